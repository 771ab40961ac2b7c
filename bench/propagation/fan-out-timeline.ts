import { sql } from 'kysely';
import { Database, DEFAULT_TENANT } from '@tributary/store';
import { lastConsumedAt } from './propagator-backlog';

const RULE = 'tag-propagation';

/**
 * Where a propagation's time went, from the store's own timestamps, in milliseconds after the
 * change's 200. Node and PostgreSQL share the machine's clock.
 */
export interface FanOutTimeline {
  /** The fan-out job's transaction began (propagation_generations.updated_at is its now()): relay, planning and queue pick-up before it. */
  fanoutStartedAt: number;
  partitions: number;
  /** Apply jobs that wrote something (each audits once). */
  applies: number;
  /** The first and the last apply transaction began (audit_log.at is the transaction's now()). */
  firstApplyAt: number;
  lastApplyAt: number;
  /** Change events the applies wrote (origin rule:tag-propagation), one per asset they changed. */
  changeEvents: number;
  /** The last of them was made, just before its transaction committed. */
  lastChangeAt: number;
  /**
   * The propagator's consumer committed its last offset on the change log: it had planned every
   * change event, those the fan-out wrote included (its lag was back to 0). Read once settled.
   */
  consumedAt: number;
}

/**
 * Reads the timeline of the propagation of `tag` from the root, for what happened after `since`
 * (epoch ms, before the change was sent). Call it once the propagator has settled.
 */
export async function readTimeline(database: Database, root: { id: number; name: string }, tag: string, since: number, t0: number): Promise<FanOutTimeline> {
  const after = new Date(since);
  const ms = (at: Date | null) => (at === null ? Number.NaN : at.getTime() - t0);
  const consumedAt = await lastConsumedAt(database);
  return database.inTenant(DEFAULT_TENANT, async (tx) => {
    const generation = await sql<{ updated_at: Date; partitions: number }>`SELECT updated_at, partitions FROM propagation_generations
      WHERE tenant_id = ${tx.tenantId} AND rule_id = ${RULE} AND source_id = ${root.id} AND key = ${tag}`.execute(tx.db);
    const applies = await sql<{ n: number; first: Date | null; last: Date | null }>`SELECT count(*)::int AS n, min(at) AS first, max(at) AS last
      FROM audit_log WHERE tenant_id = ${tx.tenantId} AND actor = ${`rule:${RULE}`} AND action = 'propagation.apply'
        AND subject = ${root.name} AND at > ${after}`.execute(tx.db);
    const changes = await sql<{ n: number; last: Date | null }>`SELECT count(*)::int AS n, max(time) AS last FROM change_events
      WHERE tenant_id = ${tx.tenantId} AND origin = ${`rule:${RULE}`} AND time > ${after}`.execute(tx.db);
    const g = generation.rows[0];
    if (!g) throw new Error(`no fan-out of ${tag} from ${root.name} was staged`);
    const a = applies.rows[0];
    const c = changes.rows[0];
    return { fanoutStartedAt: ms(g.updated_at), partitions: g.partitions, applies: a.n, firstApplyAt: ms(a.first), lastApplyAt: ms(a.last),
      changeEvents: c.n, lastChangeAt: ms(c.last), consumedAt: consumedAt - t0 };
  });
}
