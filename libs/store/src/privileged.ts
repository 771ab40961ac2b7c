import type { Kysely } from 'kysely';
import type { Database } from './database';
import type { ControlSchema } from './schema';

/**
 * The privileged connection of a Database: the platform's own login, which owns the schemas and is
 * not bound by row-level security. Repositories of libs/store use it for what belongs to no tenant
 * (finding the tenant of a credential or a connector, the tenant list, relay offsets); nothing outside
 * libs/store reaches it: this module is not exported by the package, and Database keeps its
 * connections in private fields (`privileged-confinement.spec.ts` checks both).
 */
const handles = new WeakMap<Database, Kysely<ControlSchema>>();

/** Called once, by the Database that owns the handle. */
export function holdPrivileged(database: Database, handle: Kysely<ControlSchema>): void {
  handles.set(database, handle);
}

export function privileged(database: Database): Kysely<ControlSchema> {
  const handle = handles.get(database);
  if (!handle) throw new Error('not a Database opened by the store');
  return handle;
}
