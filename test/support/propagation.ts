import { APPLY_QUEUE, CHANGES_STREAM, FANOUT_QUEUE, RULE_PLAN_QUEUE } from '@tributary/propagation';
import { asTenantId, RelayOffsetsRepository } from '@tributary/store';
import { TestApp } from './test-app';
import { waitFor } from './wait-for';

/**
 * Waits until propagation has settled: the tenant's outbox relayed (pooled tenants; `default` unless
 * named), the change log consumed, and the job queues (rule planning, fan-out, apply) empty, three
 * looks in a row (a job can enqueue the next one between two looks).
 */
export async function settled(t: TestApp, { tenantId = 'default', deadlineMs = 30_000 }: { tenantId?: string; deadlineMs?: number } = {}): Promise<void> {
  const offsets = new RelayOffsetsRepository(t.runtime.database);
  let quiet = 0;
  await waitFor('propagation to settle', async () => {
    const busy = await offsets.backlog(asTenantId(tenantId)) + await t.runtime.eventLog.lag('propagator', CHANGES_STREAM)
      + await t.runtime.jobQueue.depth(RULE_PLAN_QUEUE) + await t.runtime.jobQueue.depth(FANOUT_QUEUE) + await t.runtime.jobQueue.depth(APPLY_QUEUE);
    quiet = busy === 0 ? quiet + 1 : 0;
    return quiet >= 3 ? true : undefined;
  }, deadlineMs);
}
