import { DEFAULT_DATASET_MAPPINGS } from './dataset-mapping';
import { parseOpenLineageEvent } from './openlineage-event.schema';
import { normalizeOpenLineageEvent } from './openlineage-normalizer';

const RUN_ID = '0192f9a4-3b1c-7d2e-8f00-0a1b2c3d4e5f';
const base = { eventTime: '2026-08-20T10:00:00.000+02:00', producer: 'https://example.com/producer', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent' };
const pg = (table: string, extra: Record<string, unknown> = {}) => ({ namespace: 'postgres://db:5432', name: `shop.public.${table}`, ...extra });
const qn = (table: string) => `postgres/db:5432/shop/public/${table}`;

function normalize(event: Record<string, unknown>) {
  const parsed = parseOpenLineageEvent(event);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return normalizeOpenLineageEvent(parsed.value, DEFAULT_DATASET_MAPPINGS);
}

describe(normalizeOpenLineageEvent.name, () => {
  describe('a COMPLETE run', () => {
    const out = normalize({ ...base, eventType: 'COMPLETE', run: { runId: RUN_ID }, job: { namespace: 'airflow', name: 'dag.task' },
      inputs: [pg('orders'), { namespace: 'mysql://x:3306', name: 'crm.people' }],
      outputs: [pg('daily', { facets: {
        schema: { fields: [{ name: 'id', type: 'bigint' }, { name: 'address', type: 'struct', fields: [{ name: 'city', type: 'text', description: 'where' }] }] },
        columnLineage: { fields: { id: { inputFields: [{ namespace: 'postgres://db:5432', name: 'shop.public.orders', field: 'id' }],
          transformationDescription: 'copied', transformationType: 'IDENTITY' } } },
      } })] });

    it('states the job, its process and that it completes, with each dataset mapped or left unresolved', () => {
      expect(out.fact).toMatchObject({ job: { namespace: 'airflow', name: 'dag.task', process: 'airflow/dag.task' }, runId: RUN_ID, eventType: 'COMPLETE', completes: true });
      expect(out.fact.inputs.map((d) => [d.ref, d.qualifiedName])).toEqual([
        ['postgres://db:5432/shop.public.orders', qn('orders')], ['mysql://x:3306/crm.people', null]]);
    });

    it('flattens nested schema fields and reads a deprecated column-lineage description as one transformation', () => {
      const [daily] = out.fact.outputs;
      expect(daily).toMatchObject({ qualifiedName: qn('daily'), typeName: 'Table', name: 'daily' });
      expect(daily.columns).toEqual([
        { name: 'id', type: 'bigint', description: null }, { name: 'address', type: 'struct', description: null },
        { name: 'address.city', type: 'text', description: 'where' }]);
      expect(daily.columnLineage).toEqual([{ column: 'id', inputFields: [{ ref: 'postgres://db:5432/shop.public.orders', qualifiedName: qn('orders'), field: 'id',
        transformations: [{ type: 'IDENTITY', subtype: null, description: 'copied', masking: null }] }] }]);
    });

    it('resolves the job\'s failure only if it is open, and opens nothing', () => {
      expect(out.observations).toEqual([]);
      expect(out.resolutions).toEqual([expect.objectContaining({ source: 'openlineage', externalId: 'job:airflow/dag.task', status: 'resolved',
        statedFields: ['status', 'rawStatus'], sourceTime: '2026-08-20T08:00:00.000Z' })]);
    });
  });

  it('opens a job_failure incident on a FAIL run\'s outputs with the error message, and sets no edges', () => {
    const out = normalize({ ...base, eventType: 'FAIL', run: { runId: RUN_ID, facets: { errorMessage: { message: 'boom', programmingLanguage: 'python' } } },
      job: { namespace: 'airflow', name: 'load' }, outputs: [pg('a'), pg('a')] });
    expect(out.fact.completes).toBe(false);
    expect(out.observations).toEqual([expect.objectContaining({ externalId: 'job:airflow/load', type: 'job_failure', status: 'open',
      title: 'Job airflow/load failed: boom', tables: [{ ref: 'postgres://db:5432/shop.public.a', qualifiedName: qn('a') }], statedFields: null })]);
  });

  it('opens a data_quality incident per failed assertion, resolves per passed one, keyed by dataset, assertion and column', () => {
    const out = normalize({ ...base, eventType: 'COMPLETE', run: { runId: RUN_ID }, job: { namespace: 'ge', name: 'suite' },
      inputs: [pg('orders', { inputFacets: { dataQualityAssertions: { assertions: [
        { assertion: 'not_null', success: false, column: 'id', severity: 'error' }, { assertion: 'row_count', success: true }] } } })] });
    expect(out.observations).toEqual([expect.objectContaining({ externalId: 'dq:postgres://db:5432/shop.public.orders:not_null:id', type: 'data_quality',
      status: 'open', severity: 'SEV-2', tables: [{ ref: 'postgres://db:5432/shop.public.orders', qualifiedName: qn('orders') }] })]);
    expect(out.resolutions.map((o) => o.externalId)).toEqual(['dq:postgres://db:5432/shop.public.orders:row_count', 'job:ge/suite']);
    // a redelivery is the same observation: the same key
    expect(normalize({ ...base, eventType: 'COMPLETE', run: { runId: RUN_ID }, job: { namespace: 'ge', name: 'suite' },
      inputs: [pg('orders', { inputFacets: { dataQualityAssertions: { assertions: [{ assertion: 'not_null', success: false, column: 'id' }] } } })] })
      .observations[0].deliveryKey).toBe(out.observations[0].deliveryKey);
  });

  it('reads a DatasetEvent as a dataset with no job, which sets no edges', () => {
    const out = normalize({ ...base, dataset: { namespace: 'kafka://b:9092', name: 'events' } });
    expect(out.fact).toMatchObject({ job: null, completes: false, inputs: [], outputs: [{ qualifiedName: 'kafka/b:9092/events', typeName: 'Topic' }] });
  });
});

describe(parseOpenLineageEvent.name, () => {
  it('names the failing path', () => {
    const parsed = parseOpenLineageEvent({ ...base, run: { runId: RUN_ID }, job: { namespace: 'a', name: 'b' },
      inputs: [{ namespace: 'n', name: 'x', inputFacets: { dataQualityAssertions: { assertions: [{ assertion: 'a', success: 'yes' }] } } }] });
    expect(parsed).toEqual({ ok: false, issues: [{ path: 'inputs.0.inputFacets.dataQualityAssertions.assertions.0.success', message: expect.any(String) }] });
  });

  it('refuses a DatasetEvent with a job, an unknown eventType, and something that is no event at all', () => {
    expect(parseOpenLineageEvent({ ...base, dataset: { namespace: 'n', name: 'x' }, job: { namespace: 'a', name: 'b' } }))
      .toMatchObject({ ok: false, issues: [{ path: 'dataset' }] });
    expect(parseOpenLineageEvent({ ...base, eventType: 'DONE', run: { runId: RUN_ID }, job: { namespace: 'a', name: 'b' } }))
      .toMatchObject({ ok: false, issues: [{ path: 'eventType' }] });
    expect(parseOpenLineageEvent([])).toMatchObject({ ok: false, issues: [{ path: '(body)' }] });
  });

  it('keeps unknown fields and custom facets (producers add them)', () => {
    const parsed = parseOpenLineageEvent({ ...base, run: { runId: RUN_ID, facets: { custom: { anything: 1 } } }, job: { namespace: 'a', name: 'b', extra: true } });
    expect(parsed.ok).toBe(true);
  });
});
