import { asTenantId, Database, PipelineLatencyRepository } from '@tributary/store';
import { PipelineLatencyRecorder } from './pipeline-latency.recorder';

describe(PipelineLatencyRecorder.name, () => {
  const tenant = asTenantId('acme');
  const sample = { at: new Date('2026-01-01T12:00:00Z'), ms: 120 };
  const recorder = (inTenant: (tenantId: string, fn: (tx: unknown) => Promise<unknown>) => Promise<unknown>, failures: unknown[] = []) => {
    const repository = { record: jest.fn(async () => undefined) };
    const database = { inTenant } as unknown as Database;
    return { repository, failures,
      recorder: new PipelineLatencyRecorder(database, (err) => failures.push(err), repository as unknown as PipelineLatencyRepository) };
  };

  it('writes the samples in a transaction of the tenant', async () => {
    const { recorder: r, repository } = recorder((_, fn) => fn('tx-of-acme'));
    await r.record(tenant, 'ingest', [sample]);
    expect(repository.record).toHaveBeenCalledWith('tx-of-acme', 'ingest', [sample]);
  });

  it('never fails the work it measures: a store that refuses is reported and the call resolves', async () => {
    const refused = new Error('connection refused');
    const { recorder: r, failures } = recorder(async () => { throw refused; });
    await expect(r.record(tenant, 'propagation', [sample])).resolves.toBeUndefined();
    expect(failures).toEqual([refused]);
  });

  it('opens no transaction for no samples', async () => {
    const inTenant = jest.fn();
    const { recorder: r } = recorder(inTenant);
    await r.record(tenant, 'ingest', []);
    expect(inTenant).not.toHaveBeenCalled();
  });
});
