import { asTenantId, PipelineLatencyRepository, UnknownTenantError } from '@tributary/store';
import { startTestApp, TestApp } from '../../../test/support/test-app';
import { waitFor } from '../../../test/support/wait-for';
import { PipelineLatencyRecorder } from './pipeline-latency.recorder';

describe(PipelineLatencyRecorder.name, () => {
  let t: TestApp;
  const tenant = asTenantId('default');
  const repository = new PipelineLatencyRepository();
  const since = new Date(Date.now() - 3_600_000);
  const summary = async () => Object.fromEntries((await t.runtime.database.inTenant(tenant, (tx) => repository.summary(tx, since)))
    .map((s) => [s.stage, { count: s.count, maxMs: s.maxMs }]));

  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  it('keeps samples until it flushes, then writes them per tenant and stage, another tenant\'s refusal reported and dropping only its own', async () => {
    const failures: unknown[] = [];
    // an hour between timed flushes: only the explicit flush writes here
    const recorder = new PipelineLatencyRecorder(t.runtime.database, (err) => failures.push(err), repository, 3_600_000);
    const at = new Date();
    recorder.record(tenant, 'ingest', [{ at, ms: 120 }, { at, ms: 30 }]);
    recorder.record(tenant, 'ingest', [{ at, ms: 700 }]);
    recorder.record(tenant, 'propagation', [{ at, ms: 40 }]);
    recorder.record(asTenantId('no-such-tenant'), 'ingest', [{ at, ms: 1 }]);
    recorder.record(tenant, 'propagation', []);
    expect(await summary()).toEqual({ ingest: { count: 0, maxMs: null }, propagation: { count: 0, maxMs: null } });

    await recorder.flush();
    expect(await summary()).toEqual({ ingest: { count: 3, maxMs: 700 }, propagation: { count: 1, maxMs: 40 } });
    expect(failures).toEqual([expect.any(UnknownTenantError)]);
    // written once: a second flush has nothing left to write
    await recorder.flush();
    expect((await summary()).ingest.count).toBe(3);
  });

  it('writes by itself a moment after the first sample', async () => {
    const before = (await summary()).propagation.count;
    const recorder = new PipelineLatencyRecorder(t.runtime.database, (err) => { throw err; }, repository, 50);
    recorder.record(tenant, 'propagation', [{ at: new Date(), ms: 2_000 }]);
    await waitFor('the timed flush', async () => ((await summary()).propagation.count === before + 1 ? true : undefined));
    expect((await summary()).propagation.maxMs).toBe(2_000);
  });
});
