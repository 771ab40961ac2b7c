import { UUID_PATTERN } from '@tributary/catalog';
import type { ChangeEventRecord } from '@tributary/contracts';

/**
 * Which facts of the analytics store a batch of one tenant's changes makes stale, each with the
 * version to stamp it with: the highest change-feed sequence among the changes that touched it.
 *
 * The plan names keys only; the indexer then reads their current state from PostgreSQL (not the
 * changes' data). A state read after sequence N was committed is at least as new as every change up
 * to N (a tenant's sequences commit in order), so stamping it N is safe, and a replayed or reordered
 * batch, stamped with older sequences, is kept out by the store's highest-version rule.
 */
export interface RefreshPlan {
  /** qualified name → version */
  assets: Map<string, number>;
  /** `edgeKey(from, to)` → the edge and its version */
  edges: Map<string, { from: string; to: string; version: number }>;
  /** incident id → version */
  incidents: Map<string, number>;
  /**
   * Assets created (or created again), by name → version: incidents that named them while they did
   * not exist attach to them in the same transaction without an incident change of their own, so
   * the incidents now on them are refreshed too.
   */
  incidentsOnAssets: Map<string, number>;
  /** Changes whose data does not say what they are about: the indexer parks them. */
  rejected: { event: ChangeEventRecord; reason: string }[];
}

const ASSET_CHANGES = new Set(['asset.created', 'asset.updated', 'asset.deleted']);
const EDGE_CHANGES = new Set(['lineage.edge.added', 'lineage.edge.removed']);
const INCIDENT_CHANGES = new Set(['incident.opened', 'incident.updated', 'incident.resolved']);

export const edgeKey = (from: string, to: string) => JSON.stringify([from, to]);

/**
 * The plan for a batch of one tenant's decoded changes. Classification changes change no fact the
 * store holds, and health changes are derived from incidents and lineage the store has itself; they,
 * and change types unknown here, plan nothing.
 */
export function planRefresh(events: readonly ChangeEventRecord[]): RefreshPlan {
  const plan: RefreshPlan = { assets: new Map(), edges: new Map(), incidents: new Map(), incidentsOnAssets: new Map(), rejected: [] };
  const raise = (keys: Map<string, number>, key: string, version: number) => keys.set(key, Math.max(keys.get(key) ?? 0, version));
  for (const event of events) {
    if (ASSET_CHANGES.has(event.type)) {
      raise(plan.assets, event.subject, event.sequence);
      if (event.type === 'asset.created') raise(plan.incidentsOnAssets, event.subject, event.sequence);
    } else if (EDGE_CHANGES.has(event.type)) {
      const edge = edgeOf(event);
      if (typeof edge === 'string') {
        plan.rejected.push({ event, reason: edge });
        continue;
      }
      const key = edgeKey(edge.from, edge.to);
      plan.edges.set(key, { ...edge, version: Math.max(plan.edges.get(key)?.version ?? 0, event.sequence) });
    } else if (INCIDENT_CHANGES.has(event.type)) {
      const id = incidentIdOf(event);
      if (id === null) plan.rejected.push({ event, reason: `${event.type} without a UUID in data.incidentId` });
      else raise(plan.incidents, id, event.sequence);
    }
  }
  return plan;
}

/** The edge an edge change is about: `data.after` of an addition, `data.before` of a removal; else why not. */
function edgeOf(event: ChangeEventRecord): { from: string; to: string } | string {
  const side = event.type === 'lineage.edge.added' ? 'after' : 'before';
  const edge = dataOf(event)?.[side] as Record<string, unknown> | null | undefined;
  return edge && typeof edge === 'object' && typeof edge.from === 'string' && typeof edge.to === 'string'
    ? { from: edge.from, to: edge.to }
    : `${event.type} without data.${side}.from and .to`;
}

function incidentIdOf(event: ChangeEventRecord): string | null {
  const id = dataOf(event)?.incidentId;
  return typeof id === 'string' && UUID_PATTERN.test(id) ? id.toLowerCase() : null;
}

function dataOf(event: ChangeEventRecord): Record<string, unknown> | null {
  try {
    const data: unknown = JSON.parse(event.data);
    return data !== null && typeof data === 'object' ? data as Record<string, unknown> : null;
  } catch {
    return null;
  }
}
