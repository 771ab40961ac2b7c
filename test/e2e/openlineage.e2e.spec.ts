import { platformApp } from '../../apps/platform/src/platform.app';
import { pg, pgName, runEvent } from '../support/openlineage/events';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const at = (minute: number) => new Date(Date.UTC(2026, 7, 20, 10, minute)).toISOString();
type Change = { sequence: number; type: string; subject: string; data: Record<string, unknown> };
type Incident = { id: string; source: string; externalId: string; type: string; status: string; assets: { qualifiedName: string | null; sourceRef: string; resolved: boolean }[] };

describe('OpenLineage receiver', () => {
  let t: TestApp;
  let ingestKey: string;
  let viewerKey: string;
  let connectorId: string;
  const admin = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
  const post = (body: unknown, key = ingestKey) => t.http().post('/api/v1/lineage').set(bearer(key)).send(body as object);
  const postBatch = (body: unknown, key = ingestKey) => t.http().post('/api/v1/lineage/batch').set(bearer(key)).send(body as object);
  const drained = () => waitFor('the ingestor to drain the inbound log', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined));
  const send = async (...events: Record<string, unknown>[]) => {
    for (const e of events) expect((await post(e)).status).toBe(200);
    await drained();
  };
  const asset = (qn: string, key = t.adminKey) => t.http().get(`/v1/assets/${enc(qn)}`).set(bearer(key));
  const upstream = async (qn: string) => {
    const res = await t.http().get(`/v1/lineage/${enc(qn)}?direction=upstream&depth=1`).set(admin());
    return (res.body.nodes as { qualifiedName: string }[]).map((n) => n.qualifiedName).sort();
  };
  const changes = async (after = 0) => (await t.http().get(`/v1/changes?after=${after}&limit=1000`).set(admin())).body.items as Change[];
  const lastSequence = async () => Math.max(0, ...(await changes()).map((c) => c.sequence));
  const incidents = async () => (await t.http().get('/v1/incidents?source=openlineage&limit=500').set(admin())).body.items as Incident[];
  const incident = async (externalId: string) => (await incidents()).find((i) => i.externalId === externalId);

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0 } });
    const key = async (role: string) => (await t.http().post('/v1/api-keys').set(admin()).send({ name: role, roles: [role] }).expect(201)).body.key as string;
    ingestKey = await key('ingest');
    viewerKey = await key('viewer');
  });
  afterAll(async () => { await t.close(); });

  describe('without a connector', () => {
    it('refuses events with 409 openlineage_connector_missing, saying how to make one', async () => {
      const res = await post(runEvent({ eventType: 'COMPLETE', job: 'early', outputs: [pg('early')] }));
      expect([res.status, res.body.error.code]).toEqual([409, 'openlineage_connector_missing']);
      expect(res.body.error.message).toContain('POST /v1/connectors');
    });
  });

  describe('with the tenant\'s connector', () => {
    beforeAll(async () => {
      const res = await t.http().post('/v1/connectors').set(admin()).send({ type: 'openlineage', name: 'airflow',
        config: { mappings: [{ match: { namespace: 'snowflake://acme-*' }, template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }] } });
      expect(res.status).toBe(201);
      connectorId = res.body.id;
    });

    it('makes the datasets assets, with the schema facet as columns, and the COMPLETE\'s inputs → outputs edges with the job as process', async () => {
      const before = await lastSequence();
      await send(runEvent({ eventType: 'START', job: 'daily_sales', eventTime: at(0), inputs: [pg('orders')], outputs: [pg('daily_sales')] }));
      expect((await asset(pgName('daily_sales'))).status).toBe(200);
      expect(await upstream(pgName('daily_sales'))).toEqual([]); // a START draws no edge
      await send(runEvent({ eventType: 'COMPLETE', job: 'daily_sales', eventTime: at(1),
        inputs: [pg('orders', { schema: { id: 'bigint', amount: 'numeric' } }), pg('customers')],
        outputs: [pg('daily_sales', { schema: { day: 'date', total: 'numeric' } })] }));
      const sales = (await asset(pgName('daily_sales'))).body;
      expect(sales).toMatchObject({ typeName: 'Table', name: 'daily_sales',
        attributes: { columns: [{ name: 'day', type: 'date', description: null }, { name: 'total', type: 'numeric', description: null }] } });
      expect(await upstream(pgName('daily_sales'))).toEqual([pgName('customers'), pgName('orders')]);
      const added = (await changes(before)).filter((c) => c.type === 'lineage.edge.added');
      expect(added.map((c) => c.data.after)).toEqual(expect.arrayContaining([
        { from: pgName('orders'), to: pgName('daily_sales'), process: 'airflow/daily_sales' },
        { from: pgName('customers'), to: pgName('daily_sales'), process: 'airflow/daily_sales' },
      ]));
      expect((await changes(before)).filter((c) => c.type === 'asset.created').map((c) => c.subject).sort())
        .toEqual([pgName('customers'), pgName('daily_sales'), pgName('orders')]);
    });

    it('changes nothing on a redelivery', async () => {
      const event = runEvent({ eventType: 'COMPLETE', job: 'redelivered', eventTime: at(2), inputs: [pg('orders')], outputs: [pg('redelivered_out')] });
      await send(event);
      const before = await lastSequence();
      await send(event, event);
      expect(await changes(before)).toEqual([]);
      expect(await upstream(pgName('redelivered_out'))).toEqual([pgName('orders')]);
    });

    it('removes the edges a job no longer produces, and only that job\'s', async () => {
      // another job also feeds daily_sales, from payments and from customers
      await send(runEvent({ eventType: 'COMPLETE', job: 'payments_feed', eventTime: at(3), inputs: [pg('payments'), pg('customers')], outputs: [pg('daily_sales')] }));
      const before = await lastSequence();
      // daily_sales now reads orders and refunds, no longer customers
      await send(runEvent({ eventType: 'COMPLETE', job: 'daily_sales', eventTime: at(4), inputs: [pg('orders'), pg('refunds')], outputs: [pg('daily_sales')] }));
      // customers → daily_sales stays: payments_feed still produces it
      expect(await upstream(pgName('daily_sales'))).toEqual([pgName('customers'), pgName('orders'), pgName('payments'), pgName('refunds')]);
      await send(runEvent({ eventType: 'COMPLETE', job: 'payments_feed', eventTime: at(5), inputs: [pg('payments')], outputs: [pg('daily_sales')] }));
      expect(await upstream(pgName('daily_sales'))).toEqual([pgName('orders'), pgName('payments'), pgName('refunds')]);
      const edgeChanges = (await changes(before)).filter((c) => c.type.startsWith('lineage.edge'));
      expect(edgeChanges.map((c) => [c.type, c.subject])).toEqual([
        ['lineage.edge.added', pgName('refunds')],
        ['lineage.edge.removed', pgName('customers')],
      ]);
    });

    it('keeps an edge a person drew when the job that also produced it drops it', async () => {
      await t.http().put('/v1/lineage').set(admin()).send({ edges: [{ from: pgName('customers'), to: pgName('redelivered_out') }] }).expect(200);
      await send(runEvent({ eventType: 'COMPLETE', job: 'redelivered', eventTime: at(6), inputs: [pg('customers'), pg('refunds')], outputs: [pg('redelivered_out')] }));
      await send(runEvent({ eventType: 'COMPLETE', job: 'redelivered', eventTime: at(7), inputs: [pg('refunds')], outputs: [pg('redelivered_out')] }));
      // orders → redelivered_out was the job's alone: gone; customers → redelivered_out is the person's: kept
      expect(await upstream(pgName('redelivered_out'))).toEqual([pgName('customers'), pgName('refunds')]);
    });

    it('draws a job\'s edges again once an asset deleted in between comes back, even from a COMPLETE like the last', async () => {
      const run = (minute: number) => runEvent({ eventType: 'COMPLETE', job: 'revived', eventTime: at(minute), inputs: [pg('revived_in')], outputs: [pg('revived_out')] });
      await send(run(8));
      expect(await upstream(pgName('revived_out'))).toEqual([pgName('revived_in')]);
      await t.http().delete(`/v1/assets/${enc(pgName('revived_out'))}`).set(admin()).expect(200);
      expect((await asset(pgName('revived_out'))).status).toBe(404);
      await send(run(9));
      expect((await asset(pgName('revived_out'))).status).toBe(200);
      expect(await upstream(pgName('revived_out'))).toEqual([pgName('revived_in')]);
    });

    it('draws a job\'s edge a person removed again at its next COMPLETE, even one like the last', async () => {
      const run = (minute: number) => runEvent({ eventType: 'COMPLETE', job: 'restated', eventTime: at(minute), inputs: [pg('restated_in')], outputs: [pg('restated_out')] });
      await send(run(8));
      await t.http().delete('/v1/lineage').set(admin()).send({ edges: [{ from: pgName('restated_in'), to: pgName('restated_out') }] }).expect(200);
      expect(await upstream(pgName('restated_out'))).toEqual([]);
      await send(run(9));
      expect(await upstream(pgName('restated_out'))).toEqual([pgName('restated_in')]);
    });

    it('does not roll the edges back for an older COMPLETE arriving after a newer one', async () => {
      const before = await lastSequence();
      await send(runEvent({ eventType: 'COMPLETE', job: 'daily_sales', eventTime: at(2), inputs: [pg('customers')], outputs: [pg('daily_sales')] }));
      expect(await upstream(pgName('daily_sales'))).toEqual([pgName('orders'), pgName('payments'), pgName('refunds')]);
      expect((await changes(before)).filter((c) => c.type.startsWith('lineage.edge'))).toEqual([]);
    });

    it('keeps the newer columns when an older schema facet arrives late, in another batch or in the same one', async () => {
      const columns = async () => ((await asset(pgName('schema_evolves'))).body.attributes.columns as { name: string }[]).map((c) => c.name);
      await send(runEvent({ eventType: 'COMPLETE', job: 'evolving', eventTime: at(20), inputs: [pg('orders')], outputs: [pg('schema_evolves', { schema: { id: 'bigint', v2: 'text' } })] }));
      const before = await lastSequence();
      await send(runEvent({ eventType: 'COMPLETE', job: 'evolving', eventTime: at(10), inputs: [pg('orders')], outputs: [pg('schema_evolves', { schema: { id: 'bigint', v1: 'text' } })] }));
      expect(await columns()).toEqual(['id', 'v2']);
      expect((await changes(before)).filter((c) => c.subject === pgName('schema_evolves'))).toEqual([]);
      // one batch: the newer first in the log, the older after it
      expect((await postBatch([
        runEvent({ eventType: 'COMPLETE', job: 'evolving', eventTime: at(30), inputs: [pg('orders')], outputs: [pg('schema_evolves', { schema: { id: 'bigint', v3: 'text' } })] }),
        runEvent({ eventType: 'COMPLETE', job: 'evolving', eventTime: at(25), inputs: [pg('orders')], outputs: [pg('schema_evolves', { schema: { id: 'bigint', v1: 'text' } })] }),
      ])).body.status).toBe('success');
      await drained();
      expect(await columns()).toEqual(['id', 'v3']);
    });

    it('does not clobber what other sources set on an existing asset', async () => {
      const qn = 'snowflake/acme/ANALYTICS/PUBLIC/REVENUE';
      await t.http().put('/v1/assets').set(admin()).send({ assets: [{ qualifiedName: qn, typeName: 'View', name: 'Revenue', attributes: { owner: 'ana', description: 'curated' } }] }).expect(200);
      await send(runEvent({ eventType: 'COMPLETE', job: 'revenue', eventTime: at(7), inputs: [pg('orders')],
        outputs: [{ namespace: 'snowflake://acme-prod', name: 'analytics.public.revenue', schema: { amount: 'NUMBER' } }] }));
      const body = (await asset(qn)).body;
      expect(body).toMatchObject({ typeName: 'View', name: 'Revenue', attributes: { owner: 'ana', description: 'curated', columns: [{ name: 'amount', type: 'NUMBER' }] } });
      expect(await upstream(qn)).toEqual([pgName('orders')]);
    });

    it('keeps the column lineage, readable per column with its input fields and transformations', async () => {
      await send(runEvent({ eventType: 'COMPLETE', job: 'orders_enriched', eventTime: at(8), inputs: [pg('orders'), pg('customers')],
        outputs: [pg('orders_enriched', { schema: { id: 'bigint', customer_name: 'text', note: 'text' },
          columnLineage: { id: [['postgres://db.prod:5432', 'shop.public.orders', 'id']],
            customer_name: [['postgres://db.prod:5432', 'shop.public.customers', 'name', 'DIRECT'], ['mysql://legacy:3306', 'crm.people', 'full_name', 'INDIRECT']] } })] }));
      const res = await t.http().get(`/v1/lineage/${enc(pgName('orders_enriched'))}/columns`).set(bearer(viewerKey));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ qualifiedName: pgName('orders_enriched'), columns: [
        { name: 'id', type: 'bigint', description: null, inputFields: [
          { qualifiedName: pgName('orders'), ref: 'postgres://db.prod:5432/shop.public.orders', field: 'id',
            transformations: [{ type: 'DIRECT', subtype: 'IDENTITY', description: null, masking: null }] }] },
        { name: 'customer_name', type: 'text', description: null, inputFields: [
          { qualifiedName: pgName('customers'), ref: 'postgres://db.prod:5432/shop.public.customers', field: 'name',
            transformations: [{ type: 'DIRECT', subtype: 'IDENTITY', description: null, masking: null }] },
          { qualifiedName: null, ref: 'mysql://legacy:3306/crm.people', field: 'full_name',
            transformations: [{ type: 'INDIRECT', subtype: 'IDENTITY', description: null, masking: null }] }] },
        { name: 'note', type: 'text', description: null, inputFields: [] },
      ] });
      const missing = await t.http().get(`/v1/lineage/${enc('postgres/nowhere')}/columns`).set(bearer(viewerKey));
      expect([missing.status, missing.body.error.code]).toEqual([404, 'asset_not_found']);
    });

    it('keeps a dataset no rule maps as an unresolved reference: no asset, no edge, and an incident naming it unresolved', async () => {
      const legacy = { namespace: 'mysql://legacy:3306', name: 'crm.accounts' };
      const before = await lastSequence();
      await send(runEvent({ eventType: 'COMPLETE', job: 'crm_sync', eventTime: at(9),
        inputs: [{ ...legacy, assertions: [{ assertion: 'not_null', success: false, column: 'id' }] }], outputs: [pg('accounts')] }));
      expect((await changes(before)).filter((c) => c.subject.startsWith('mysql') || c.type.startsWith('lineage'))).toEqual([]);
      expect(await upstream(pgName('accounts'))).toEqual([]);
      const opened = await incident('dq:mysql://legacy:3306/crm.accounts:not_null:id');
      expect(opened).toMatchObject({ status: 'open', type: 'data_quality', assets: [{ qualifiedName: null, sourceRef: 'mysql://legacy:3306/crm.accounts', resolved: false }] });
    });

    it('opens a data_quality incident for a failed assertion and resolves it when the assertion passes; a pass alone opens nothing', async () => {
      const id = `dq:postgres://db.prod:5432/shop.public.orders:row_count`;
      await send(runEvent({ eventType: 'COMPLETE', job: 'checks', eventTime: at(10), inputs: [pg('orders', { assertions: [{ assertion: 'row_count', success: true }] })] }));
      expect(await incident(id)).toBeUndefined();
      await send(runEvent({ eventType: 'COMPLETE', job: 'checks', eventTime: at(11), inputs: [pg('orders', { assertions: [{ assertion: 'row_count', success: false }] })] }));
      const opened = await incident(id);
      expect(opened).toMatchObject({ source: 'openlineage', type: 'data_quality', status: 'open', assets: [{ qualifiedName: pgName('orders'), resolved: true }] });
      await send(runEvent({ eventType: 'COMPLETE', job: 'checks', eventTime: at(12), inputs: [pg('orders', { assertions: [{ assertion: 'row_count', success: true }] })] }));
      expect(await incident(id)).toMatchObject({ id: opened!.id, status: 'resolved' });
      const kinds = (await changes()).filter((c) => c.type.startsWith('incident.') && c.data && JSON.stringify(c.data).includes(opened!.id)).map((c) => c.type);
      expect(kinds).toEqual(expect.arrayContaining(['incident.opened', 'incident.resolved']));
    });

    it('opens a job_failure incident on a FAIL run\'s outputs, resolved by the job\'s next COMPLETE', async () => {
      const id = 'job:airflow/nightly_load';
      await send(runEvent({ eventType: 'FAIL', job: 'nightly_load', eventTime: at(13), inputs: [pg('orders')], outputs: [pg('nightly')], errorMessage: 'division by zero' }));
      const opened = await incident(id);
      expect(opened).toMatchObject({ type: 'job_failure', status: 'open', assets: [{ qualifiedName: pgName('nightly'), resolved: true }] });
      expect(await upstream(pgName('nightly'))).toEqual([]); // a failed run draws no edge
      // an older COMPLETE arriving late resolves nothing
      await send(runEvent({ eventType: 'COMPLETE', job: 'nightly_load', eventTime: at(12), inputs: [pg('orders')], outputs: [pg('nightly')] }));
      expect(await incident(id)).toMatchObject({ status: 'open' });
      await send(runEvent({ eventType: 'COMPLETE', job: 'nightly_load', eventTime: at(14), inputs: [pg('orders')], outputs: [pg('nightly')] }));
      expect(await incident(id)).toMatchObject({ id: opened!.id, status: 'resolved' });
      expect(await upstream(pgName('nightly'))).toEqual([pgName('orders')]);
    });

    it('accepts a 2-0-x event without eventType, a JobEvent, a DatasetEvent and a 1-0-x RunEvent', async () => {
      const noType = runEvent({ job: 'untyped', outputs: [pg('untyped_out')] });
      const jobEvent = { eventTime: at(15), producer: 'https://example.com/p', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent',
        job: { namespace: 'dbt', name: 'model.x' }, inputs: [], outputs: [{ namespace: 'bigquery', name: 'proj.mart.x' }] };
      const datasetEvent = { eventTime: at(15), producer: 'https://example.com/p', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent',
        dataset: { namespace: 'kafka://broker:9092', name: 'orders-topic', facets: {} } };
      const legacy = { ...runEvent({ eventType: 'COMPLETE', job: 'legacy', eventTime: at(15), inputs: [pg('orders')], outputs: [{ namespace: 's3://lake', name: '/raw/orders' }] }),
        schemaURL: 'https://openlineage.io/spec/1-0-5/OpenLineage.json#/definitions/RunEvent' };
      await send(noType, jobEvent, datasetEvent, legacy);
      expect((await asset(pgName('untyped_out'))).status).toBe(200);
      expect((await asset('bigquery/proj/mart/x')).body).toMatchObject({ typeName: 'Table', name: 'x' });
      expect((await asset('kafka/broker:9092/orders-topic')).body).toMatchObject({ typeName: 'Topic' });
      expect(await upstream('s3/lake/raw/orders')).toEqual([pgName('orders')]);
    });
  });

  describe('bad input', () => {
    it('refuses an event that fails the schema with 422 naming the path, and stores nothing', async () => {
      const before = await lastSequence();
      const bad = runEvent({ eventType: 'COMPLETE', job: 'bad', outputs: [pg('never_made', { schema: { a: 'int' } })] });
      ((bad.outputs as Record<string, unknown>[])[0].facets as { schema: { fields: unknown } }).schema.fields = 'not a list';
      const res = await post(bad);
      expect([res.status, res.body.error.code]).toEqual([422, 'validation_failed']);
      expect(res.body.error.details.issues[0].path).toBe('outputs.0.facets.schema.fields');
      const noRunId = await post({ ...runEvent({ job: 'bad' }), run: { runId: 'not-a-uuid' } });
      expect(noRunId.body.error.details.issues).toEqual([{ path: 'run.runId', message: 'must be a UUID' }]);
      const noTime = await post({ ...runEvent({ job: 'bad' }), eventTime: undefined });
      expect(noTime.body.error.details.issues[0].path).toBe('eventTime');
      const notJson = await t.http().post('/api/v1/lineage').set(bearer(ingestKey)).set('Content-Type', 'application/json').send('{"eventTime":');
      expect([notJson.status, notJson.body.error.code]).toEqual([400, 'invalid_json']);
      await drained();
      expect((await asset(pgName('never_made'))).status).toBe(404);
      expect(await changes(before)).toEqual([]);
      expect((await t.http().get('/v1/dead-letters').set(admin())).body.items).toEqual([]);
    });

    it('applies the valid events of a batch and lists the failed ones by index (partial_success)', async () => {
      const good = (n: number) => runEvent({ eventType: 'COMPLETE', job: `batch_${n}`, eventTime: at(20), inputs: [pg('orders')], outputs: [pg(`batch_out_${n}`)] });
      const res = await postBatch([good(0), { ...good(1), producer: 'not a uri' }, good(2), { hello: 'world' }]);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'partial_success',
        summary: { received: 4, successful: 2, failed: 2, retriable: 0, non_retriable: 2 },
        failed_events: [
          { index: 1, reason: 'producer: must be a URI (with a scheme)', retriable: false },
          { index: 3, reason: expect.stringContaining('not an OpenLineage event'), retriable: false },
        ],
      });
      await drained();
      expect(await upstream(pgName('batch_out_0'))).toEqual([pgName('orders')]);
      expect(await upstream(pgName('batch_out_2'))).toEqual([pgName('orders')]);
      expect((await asset(pgName('batch_out_1'))).status).toBe(404);
      const all = await postBatch([good(3)]);
      expect(all.body).toMatchObject({ status: 'success', summary: { received: 1, successful: 1, failed: 0 }, failed_events: [] });
      const notArray = await postBatch(good(4));
      expect([notArray.status, notArray.body.error.details.issues[0].path]).toEqual([422, '(body)']);
    });

    it('answers 401 without a key or with a wrong one, and 403 for a key without the ingest role', async () => {
      const event = runEvent({ eventType: 'COMPLETE', job: 'auth', outputs: [pg('auth_out')] });
      const none = await t.http().post('/api/v1/lineage').send(event);
      expect(none.status).toBe(401);
      const wrong = await post(event, `${ingestKey.slice(0, -4)}AAAA`);
      expect(wrong.status).toBe(401);
      const viewer = await post(event, viewerKey);
      expect([viewer.status, viewer.body.error.code]).toEqual([403, expect.any(String)]);
      expect((await postBatch([event], viewerKey)).status).toBe(403);
      // the generic webhook route takes no OpenLineage event: there is no signing secret to prove it
      expect((await t.http().post(`/v1/hooks/openlineage/${connectorId}`).set('Content-Type', 'application/json').send(event)).status).toBe(401);
      await drained();
      expect((await asset(pgName('auth_out'))).status).toBe(404);
    });

    it('refuses a second enabled connector\'s ambiguity with 409 naming both', async () => {
      const second = await t.http().post('/v1/connectors').set(admin()).send({ type: 'openlineage', name: 'spark', config: {} }).expect(201);
      const res = await post(runEvent({ job: 'ambiguous' }));
      expect([res.status, res.body.error.code]).toEqual([409, 'openlineage_connector_ambiguous']);
      expect(res.body.error.details.connectorIds).toContain(second.body.id);
      await t.http().patch(`/v1/connectors/${second.body.id}`).set(admin()).send({ enabled: false }).expect(200);
      expect((await post(runEvent({ job: 'ambiguous' }))).status).toBe(200);
      await drained();
    });

    it('applies another tenant\'s events to that tenant alone', async () => {
      const created = await t.http().post('/v1/tenants').set(admin()).send({ id: 'other', name: 'Other', placement: 'pooled' }).expect(201);
      const otherAdmin = created.body.adminKey as string;
      await t.http().post('/v1/connectors').set(bearer(otherAdmin)).send({ type: 'openlineage', name: 'theirs', config: {} }).expect(201);
      const before = await lastSequence();
      const res = await post(runEvent({ eventType: 'COMPLETE', job: 'daily_sales', eventTime: at(30), inputs: [pg('theirs_only')], outputs: [pg('daily_sales')] }), otherAdmin);
      expect(res.status).toBe(200);
      await drained();
      expect((await asset(pgName('theirs_only'), otherAdmin)).status).toBe(200);
      expect((await asset(pgName('theirs_only'))).status).toBe(404);
      expect(await upstream(pgName('daily_sales'))).toEqual([pgName('orders'), pgName('payments'), pgName('refunds')]);
      expect(await changes(before)).toEqual([]);
    });
  });
});
