export const ROLES = ['admin', 'steward', 'viewer', 'ingest', 'support', 'metrics'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Roles over the platform as a whole rather than one tenant: `metrics` reads the Prometheus metrics,
 * whose series name every tenant. No tenant role implies them; a platform admin holds them, and only
 * a platform admin may grant them.
 */
export const PLATFORM_ROLES: readonly Role[] = ['metrics'];

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
  metrics: ['metrics'],
};

export function hasAnyRole(granted: readonly Role[], required: readonly Role[]): boolean {
  return granted.some((g) => implied[g].some((r) => required.includes(r)));
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
