import type { EventLog } from '@tributary/eventlog';
import { INBOUND_STREAM } from '@tributary/ingest';
import { Database, DEFAULT_TENANT } from '@tributary/store';
import { ApiClient } from '../support/api-client';
import { AppliedWatcher } from './applied-watcher';

/** How long the final check waits for the ingestor to finish a backlog left by the last step. */
const SETTLE_LIMIT_MS = 60_000;

export interface IngestCheck {
  incidents: number;
  states: number;
}

/**
 * The run's correctness, once the ingestor has consumed the whole inbound log: every accepted
 * webhook's state appeared in the change feed, every opened incident exists once and is attached to
 * its asset, and nothing went to the dead letters. Throws on the first discrepancy.
 */
export async function verifyIngest(database: Database, api: ApiClient, eventLog: EventLog, watcher: AppliedWatcher,
  expected: { acceptedKeys: string[]; openings: number }): Promise<IngestCheck> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  const missing = () => expected.acceptedKeys.filter((key) => !watcher.visibleAt.has(key));
  while ((await eventLog.lag('ingestor', INBOUND_STREAM)) > 0 || missing().length > 0) {
    if (Date.now() > deadline) {
      throw new Error(`${SETTLE_LIMIT_MS / 1000} s after the last webhook, ${missing().length} accepted webhooks are still not applied`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { incidents, attached } = await database.inTenant(DEFAULT_TENANT, async (tx) => ({
    incidents: (await tx.db.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tx.tenantId).where('source', '=', 'montecarlo').executeTakeFirstOrThrow()).n,
    attached: (await tx.db.selectFrom('incident_assets').select((eb) => eb.fn.count<number>('incident_id').distinct().as('n'))
      .where('tenant_id', '=', tx.tenantId).where('asset_id', 'is not', null).executeTakeFirstOrThrow()).n,
  }));
  if (incidents !== expected.openings) throw new Error(`${expected.openings} openings were accepted, but the store holds ${incidents} incidents`);
  if (attached !== incidents) throw new Error(`${incidents - attached} of ${incidents} incidents are not attached to their asset`);
  const deadLetters = JSON.parse(await api.getText('/v1/dead-letters?limit=1')) as { items: unknown[] };
  if (deadLetters.items.length > 0) throw new Error('webhooks went to the dead letters');
  return { incidents, states: expected.acceptedKeys.length };
}
