/** Moves the values at dotted paths out of a config (to be sealed) and back in (to be used). */
export function extractSecrets(config: Record<string, unknown>, paths: readonly string[]): { rest: Record<string, unknown>; secrets: Record<string, string> } {
  const rest = structuredClone(config);
  const secrets: Record<string, string> = {};
  for (const path of paths) {
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), rest);
    const leaf = keys[keys.length - 1];
    if (parent && typeof parent === 'object' && typeof (parent as Record<string, unknown>)[leaf] === 'string') {
      secrets[path] = (parent as Record<string, string>)[leaf];
      delete (parent as Record<string, unknown>)[leaf];
    }
  }
  return { rest, secrets };
}

export function insertSecrets(config: Record<string, unknown>, secrets: Record<string, string>): Record<string, unknown> {
  const full = structuredClone(config);
  for (const [path, value] of Object.entries(secrets)) {
    const keys = path.split('.');
    let node = full;
    for (const k of keys.slice(0, -1)) {
      if (!node[k] || typeof node[k] !== 'object') node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return full;
}
