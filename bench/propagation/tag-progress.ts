import { sql } from 'kysely';
import { Database, DEFAULT_TENANT } from '@tributary/store';
import { epochMs } from '../support/clock';
import { Distribution, distribution } from '../support/stats';

/** Pause between two counts: the "every ~50 ms". */
const SAMPLE_PAUSE_MS = 50;

/** Milliseconds after the API's 200 at which the given share of the descendants showed the change. */
export interface Milestones {
  half: number;
  p99: number;
  all: number;
  /** Time between two consecutive counts (the query plus the pause): the resolution of the milestones. */
  resolution: Distribution;
}

/**
 * Counts, every ~50 ms, the tag rows that `sourceId` propagated under `tag` (one per descendant
 * that shows it), until `target` is reached: all descendants after an add, 0 after a removal. A
 * milestone is the first count that reached it, timed from `t0` (epoch ms). The count is one
 * index-only scan over classifications_by_origin, far cheaper than listing through the API.
 */
export async function watchTagProgress(database: Database, watch: { sourceId: number; tag: string; descendants: number; target: number },
  t0: number, limitMs: number): Promise<Milestones> {
  const done = (count: number) => (watch.target === 0 ? watch.descendants - count : count) / watch.descendants;
  const reached: Partial<Record<'half' | 'p99' | 'all', number>> = {};
  const gaps: number[] = [];
  let previous = epochMs();
  for (;;) {
    const count = await countPropagated(database, watch.sourceId, watch.tag);
    const now = epochMs();
    gaps.push(now - previous);
    previous = now;
    const share = done(count);
    if (share >= 0.5) reached.half ??= now - t0;
    if (share >= 0.99) reached.p99 ??= now - t0;
    if (count === watch.target) {
      reached.all = now - t0;
      return { half: reached.half!, p99: reached.p99!, all: reached.all, resolution: distribution(gaps) };
    }
    if (now - t0 > limitMs) {
      throw new Error(`${limitMs / 1000} s after the 200, ${count} of ${watch.descendants} descendants carry the propagated ${watch.tag} (expected ${watch.target})`);
    }
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_PAUSE_MS));
  }
}

async function countPropagated(database: Database, sourceId: number, tag: string): Promise<number> {
  return database.inTenant(DEFAULT_TENANT, async (tx) => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM classifications
      WHERE tenant_id = ${tx.tenantId} AND propagated_from_id = ${sourceId} AND name = ${tag} AND source = 'propagated'`.execute(tx.db);
    return rows[0].n;
  });
}
