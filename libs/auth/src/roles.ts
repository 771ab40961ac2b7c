export const ROLES = ['admin', 'steward', 'viewer', 'ingest', 'support'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles a granted role implies. An admin may do anything in its tenant; stewards and support staff
 * may also read. `ingest` is a write-only machine role: it may push assets and lineage, not read.
 */
const implied: Record<Role, Role[]> = {
  admin: ['admin', 'steward', 'viewer', 'ingest', 'support'],
  steward: ['steward', 'viewer'],
  support: ['support', 'viewer'],
  viewer: ['viewer'],
  ingest: ['ingest'],
};

export function hasAnyRole(granted: readonly Role[], required: readonly Role[]): boolean {
  return granted.some((g) => implied[g].some((r) => required.includes(r)));
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
