import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { AtlasFake, AtlasFakeEnvelope, startAtlasFake } from '../support/fakes/atlas-fake';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface Connector { id: string; webhookUrl: string; signingSecret: string }
interface Tag { name: string; source: 'direct' | 'propagated'; propagate: boolean; propagatedFrom: string | null }
interface Change { type: string; subject: string; data: Record<string, unknown> }

const CONNECTION = 'default/snowflake/1666769582';
const RAW = `${CONNECTION}/ANALYTICS/PUBLIC/RAW_ORDERS`;
const ORDERS = `${CONNECTION}/ANALYTICS/PUBLIC/ORDERS`;
const REVENUE = `${CONNECTION}/ANALYTICS/PUBLIC/REVENUE`;
const ETL = `${CONNECTION}/dbt/orders`;
/** Atlan's validation ping, byte for byte as it is sent (§1.5): a space after each colon. */
const PING = '{"atlan-webhook": "Hello, humans of data! It worked. Excited to see what you build!"}';
const ANA = { user: 'ana@acme.io' };
const RANGE = { since: '2026-01-01T00:00:00Z', until: '2026-12-01T00:00:00Z' };

/**
 * The Atlan flavour of the bridge's source side, end to end: the fake Atlan's notifications are
 * POSTed as Atlan sends them (text/plain, x-atlan-signing-secret) to the connector's webhook URL,
 * and what they did is read through the HTTP API.
 */
describe('Atlan source (webhooks, applier, backfill)', () => {
  let t: TestApp;
  let fake: AtlasFake;
  let atlan: Connector;
  const guids: Record<string, string> = {};
  /** every notification the fake sent, in order */
  const seen: AtlasFakeEnvelope[] = [];
  /** the connectors the fake's webhook posts to (its tenant's secret with each) */
  const subscribers: { connector: Connector; key: string }[] = [];
  const refused: string[] = [];
  let chain = Promise.resolve();

  const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });
  const hook = (c: Connector, body: string, secret: string | null = c.signingSecret) => {
    const req = t.http().post(`/v1/hooks/atlan/${c.id}`).set('Content-Type', 'text/plain; charset=utf-8');
    return (secret === null ? req : req.set('x-atlan-signing-secret', secret)).send(body);
  };
  const drained = () => waitFor('the ingestor to drain the inbound log', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined));
  /** every notification so far delivered (in order) and applied */
  const settle = async () => {
    await chain;
    await drained();
    expect(refused).toEqual([]);
  };
  const asset = async (qn: string, key = t.adminKey) => {
    const res = await t.http().get(`/v1/assets/${enc(qn)}`).set(auth(key));
    return res.status === 200 ? res.body as { typeName: string; name: string | null; attributes: Record<string, unknown>; classifications: Tag[] } : undefined;
  };
  const tags = async (qn: string) => ((await asset(qn))?.classifications ?? []).map((c) => `${c.name}:${c.source}`).sort();
  const changes = async () => (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as Change[];
  const upstream = async (qn: string) =>
    ((await t.http().get(`/v1/lineage/${enc(qn)}?direction=upstream&depth=1`).set(auth())).body.nodes as { qualifiedName: string }[]).map((n) => n.qualifiedName).sort();
  const ignored = async (connectorId: string) =>
    ((await t.http().get(`/v1/ignored-deliveries?connectorId=${connectorId}&limit=100`).set(auth())).body.items as { reason: string; action: string | null }[]);
  const deadLetters = async () => (await t.http().get('/v1/dead-letters').set(auth())).body.items as { reason: string }[];
  const lastOf = (guid: string, operationType?: string) =>
    [...seen].reverse().find((e) => e.message.entity.guid === guid && (!operationType || e.message.operationType === operationType))!;
  const createConnector = async (key: string, config: Record<string, unknown>, signingSecret: string) =>
    (await t.http().post('/v1/connectors').set(auth(key)).send({ type: 'atlan', name: 'atlan', config: { ...config, signingSecret } }).expect(201)).body as Connector;

  beforeAll(async () => {
    fake = await startAtlasFake({ flavour: 'atlan', tagTypes: ['PII', 'Finance', 'Gold', 'Certified'] });
    // Atlan's webhook: each notification POSTed in order, as text, with the secret shown when the webhook was saved
    fake.listen((envelope) => {
      seen.push(envelope);
      const body = JSON.stringify(envelope);
      for (const { connector } of [...subscribers]) {
        chain = chain.then(async () => {
          const res = await hook(connector, body);
          if (res.status !== 202) refused.push(`${res.status} ${res.text}`);
        });
      }
    });
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG } });
    atlan = await createConnector(t.adminKey, fake.config({ writeBack: false }) as Record<string, unknown>, 'atlan-webhook-secret-0001');
    subscribers.push({ connector: atlan, key: t.adminKey });
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  describe('the webhook', () => {
    it('answers Atlan\'s validation ping (no secret header) with 2xx and keeps it as ignored, never applied', async () => {
      const res = await hook(atlan, PING, null);
      expect(res.status).toBe(202);
      await drained();
      expect((await ignored(atlan.id)).map((i) => i.reason)).toEqual(['validation_ping']);
      expect((await changes()).filter((c) => c.type.startsWith('asset.'))).toEqual([]);
    });

    it('refuses a wrong or missing secret with 401, the ping with a wrong secret too, and logs nothing', async () => {
      const body = JSON.stringify({ version: { version: '1.0.0', versionParts: [1] }, msgCompressionKind: 'NONE', msgSplitIdx: 1, msgSplitCount: 1,
        message: { type: 'ENTITY_NOTIFICATION_V2', operationType: 'ENTITY_CREATE', eventTime: 1, entity: { typeName: 'Table', guid: 'g', attributes: { qualifiedName: 'x' } } } });
      expect((await hook(atlan, body, 'not-the-secret-at-all')).status).toBe(401);
      expect((await hook(atlan, body, null)).status).toBe(401);
      expect((await hook(atlan, PING, 'not-the-secret-at-all')).status).toBe(401);
      await drained();
      expect(await ignored(atlan.id)).toHaveLength(1);
      expect(await asset('x')).toBeUndefined();
    });

    it('refuses a split message part (422 naming why) and a body that is not JSON (400)', async () => {
      const part = JSON.stringify({ version: { version: '1.0.0' }, msgId: 'm_1', msgCompressionKind: 'GZIP', msgSplitIdx: 0, msgSplitCount: 2, message: 'H4sI' });
      const res = await hook(atlan, part);
      expect(res.status).toBe(422);
      expect(res.text).toMatch(/split message m_1: a webhook must carry a whole message/);
      expect((await hook(atlan, 'Hello, humans')).status).toBe(400);
    });
  });

  describe('entities and lineage', () => {
    it('an entity and a lineage Process created in Atlan appear as assets and an edge, with the process named', async () => {
      guids.raw = fake.seed.entity(ANA, { typeName: 'Table', qualifiedName: RAW, name: 'raw_orders', attributes: { description: 'landed orders' } });
      guids.orders = fake.seed.entity(ANA, { typeName: 'Table', qualifiedName: ORDERS, name: 'orders' });
      guids.revenue = fake.seed.entity(ANA, { typeName: 'View', qualifiedName: REVENUE, name: 'revenue' });
      guids.etl = fake.seed.process(ANA, { qualifiedName: ETL, name: 'dbt orders', inputs: [guids.raw], outputs: [guids.orders] });
      guids.report = fake.seed.process(ANA, { qualifiedName: `${ETL}-revenue`, inputs: [guids.orders], outputs: [guids.revenue] });
      await settle();
      expect(await asset(RAW)).toMatchObject({ typeName: 'table', name: 'raw_orders', attributes: { description: 'landed orders' } });
      expect(await asset(REVENUE)).toMatchObject({ typeName: 'view', name: 'revenue' });
      expect(await asset(ETL)).toBeUndefined();
      expect(await upstream(ORDERS)).toEqual([RAW]);
      expect(await upstream(REVENUE)).toEqual([ORDERS]);
      const added = (await changes()).filter((c) => c.type === 'lineage.edge.added').map((c) => c.data.after);
      expect(added).toEqual(expect.arrayContaining([{ from: RAW, to: ORDERS, process: ETL }, { from: ORDERS, to: REVENUE, process: `${ETL}-revenue` }]));
    });

    it('an entity of a type no mapping names becomes `other`; an unknown operation is ignored, never a failure', async () => {
      fake.seed.entity(ANA, { typeName: 'Connection', qualifiedName: CONNECTION, name: 'snowflake' });
      await settle();
      expect((await asset(CONNECTION))?.typeName).toBe('other');
      const teleport = { ...lastOf(guids.raw), message: { ...lastOf(guids.raw).message, operationType: 'ENTITY_TELEPORT' } };
      expect((await hook(atlan, JSON.stringify(teleport))).status).toBe(202);
      await drained();
      expect((await ignored(atlan.id)).map((i) => [i.reason, i.action])).toContainEqual(['unsupported_operation', 'ENTITY_TELEPORT']);
      expect(await deadLetters()).toEqual([]);
    });
  });

  describe('tags', () => {
    it('a direct tag added in Atlan becomes a direct classification by its display name, and propagates downstream', async () => {
      fake.seed.addTag(ANA, guids.raw, 'PII');
      await settle();
      expect(await tags(RAW)).toEqual(['PII:direct']);
      await waitFor('PII to propagate downstream', async () => ((await tags(REVENUE)).includes('PII:propagated') ? true : undefined));
      expect(await tags(ORDERS)).toEqual(['PII:propagated']);
    });

    it('a tag Atlan propagated (entityGuid of another entity) is never imported, nor one Tributary holds on the asset as propagated', async () => {
      fake.seed.addPropagatedTag(ANA, guids.orders, 'Finance', guids.raw);
      // a person attaching PII to ORDERS directly: Tributary already holds it there, propagated from RAW (what the write-back sends)
      fake.seed.addTag(ANA, guids.orders, 'PII');
      // the control: a tag nothing explains is imported
      fake.seed.addTag(ANA, guids.orders, 'Certified');
      await settle();
      expect(await tags(ORDERS)).toEqual(['Certified:direct', 'PII:propagated']);
    });

    it('a tag the write-back wrote to the entity (its outbox) is not imported', async () => {
      const ordersId = await t.runtime.database.inTenant(asTenantId('default'), async (tx) => {
        const id = (await sql<{ id: number }>`SELECT id FROM assets WHERE qualified_name = ${ORDERS}`.execute(tx.db)).rows[0].id;
        await sql`INSERT INTO atlas_writebacks (tenant_id, connector_id, asset_id, wanted_sequence, sent_sequence, written, status)
                  VALUES ('default', ${atlan.id}, ${id}, 1, 1, ${JSON.stringify({ attributes: {}, tags: [fake.tagName('Gold')] })}::jsonb, 'sent')`.execute(tx.db);
        return id;
      });
      expect(ordersId).toBeGreaterThan(0);
      fake.seed.addTag(ANA, guids.orders, 'Gold');
      await settle();
      expect(await tags(ORDERS)).toEqual(['Certified:direct', 'PII:propagated']);
    });

    it('a tag removed in Atlan is removed in Tributary, and its propagation with it', async () => {
      fake.seed.removeTag(ANA, guids.raw, 'PII');
      fake.seed.removeTag(ANA, guids.orders, 'Certified');
      await settle();
      expect(await tags(RAW)).toEqual([]);
      await waitFor('the propagated PII to go', async () => ((await tags(REVENUE)).length === 0 ? true : undefined));
      expect(await tags(ORDERS)).toEqual([]);
    });
  });

  describe('order, own writes and bad input', () => {
    it('an older notification (by eventTime) than the entity\'s last changes nothing; the bridge\'s own write is ignored', async () => {
      fake.seed.update(ANA, guids.raw, { description: 'cleaned orders' });
      await settle();
      expect((await asset(RAW))?.attributes.description).toBe('cleaned orders');
      const latest = lastOf(guids.raw, 'ENTITY_UPDATE');
      const stale = { ...latest, message: { ...latest.message, eventTime: latest.message.eventTime - 60_000,
        entity: { ...latest.message.entity, attributes: { ...(latest.message.entity.attributes as object), description: 'an old description' } } } };
      expect((await hook(atlan, JSON.stringify(stale))).status).toBe(202);
      fake.seed.update({ user: fake.serviceUser }, guids.raw, { description: 'written by the bridge' });
      await settle();
      expect((await asset(RAW))?.attributes.description).toBe('cleaned orders');
      expect((await ignored(atlan.id)).map((i) => i.reason)).toContain('own_write');
    });

    it('corrupt GZIP and corrupt base64 are parked as dead letters with the reason, and change nothing', async () => {
      const compressed = (message: string) => JSON.stringify({ version: { version: '1.0.0', versionParts: [1] }, msgId: 'c0ffee_1', msgCompressionKind: 'GZIP',
        msgSplitIdx: 1, msgSplitCount: 1, message });
      expect((await hook(atlan, compressed(Buffer.from('these bytes are not gzip').toString('base64')))).status).toBe(202);
      expect((await hook(atlan, compressed('not*base64!'))).status).toBe(202);
      // the control: a good GZIP message is read
      const good = gzipSync(Buffer.from(JSON.stringify({ ...lastOf(guids.revenue), message: { ...lastOf(guids.revenue).message, eventTime: Date.now(),
        entity: { ...lastOf(guids.revenue).message.entity, attributes: { ...(lastOf(guids.revenue).message.entity.attributes as object), description: 'from gzip' } } } })));
      expect((await hook(atlan, compressed(good.toString('base64')))).status).toBe(202);
      await drained();
      const reasons = (await waitFor('two dead letters', async () => { const l = await deadLetters(); return l.length >= 2 ? l : undefined; })).map((l) => l.reason);
      expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/does not gunzip/), expect.stringMatching(/not base64/)]));
      expect((await asset(REVENUE))?.attributes.description).toBe('from gzip');
    });

    it('an entity deleted in Atlan deletes its asset and its edges', async () => {
      fake.seed.remove(ANA, guids.orders);
      await settle();
      expect(await asset(ORDERS)).toBeUndefined();
      expect(await upstream(REVENUE)).toEqual([]);
      const removed = (await changes()).filter((c) => c.type === 'lineage.edge.removed').map((c) => c.data.before);
      expect(removed).toEqual(expect.arrayContaining([{ from: RAW, to: ORDERS }, { from: ORDERS, to: REVENUE }]));
    });
  });

  describe('backfill', () => {
    it('reads the catalog\'s entities and processes through its search, as assets (with direct tags) and edges', async () => {
      fake.seed.addTag(ANA, guids.raw, 'Gold');
      const sales = fake.seed.entity(ANA, { typeName: 'Table', qualifiedName: `${CONNECTION}/ANALYTICS/PUBLIC/SALES`, name: 'sales' });
      fake.seed.process(ANA, { qualifiedName: `${ETL}-sales`, inputs: [guids.raw], outputs: [sales] });
      await settle();
      const backfilled = await createConnector(t.adminKey, fake.config({ writeBack: false, qualifiedNamePrefix: 'backfill/' }) as Record<string, unknown>,
        'atlan-webhook-secret-0002');
      const created = await t.http().post('/v1/backfills').set(auth()).send({ connectorId: backfilled.id, ...RANGE });
      expect(created.status).toBe(202);
      const done = await waitFor('the backfill to finish', async () => {
        const p = (await t.http().get(`/v1/backfills/${created.body.id}`).set(auth())).body;
        return p.status === 'succeeded' || p.status === 'failed' ? p : undefined;
      });
      expect(done.status).toBe('succeeded');
      await drained();
      expect(await asset(`backfill/${RAW}`)).toMatchObject({ typeName: 'table', name: 'raw_orders' });
      expect(await tags(`backfill/${RAW}`)).toEqual(['Gold:direct']);
      expect(await asset(`backfill/${ORDERS}`)).toBeUndefined();
      expect(await upstream(`backfill/${CONNECTION}/ANALYTICS/PUBLIC/SALES`)).toEqual([`backfill/${RAW}`]);
      const searched = fake.requests.filter((r) => r.apiPath === '/search/basic' && r.status === 200).map((r) => (r.body as { typeName: string }).typeName);
      expect(searched).toEqual(expect.arrayContaining(['Table', 'View', 'Process']));
    });
  });

  describe('tenancy', () => {
    it('another tenant\'s Atlan connector writes into its own catalog only, and our secret does not open it', async () => {
      const created = await t.http().post('/v1/tenants').set(auth()).send({ id: 'other', name: 'Other', placement: 'pooled' }).expect(201);
      const otherKey = created.body.adminKey as string;
      const theirs = await createConnector(otherKey, fake.config({ writeBack: false }) as Record<string, unknown>, 'their-webhook-secret-0003');
      expect((await hook(theirs, PING, atlan.signingSecret)).status).toBe(401);
      subscribers.splice(0, subscribers.length, { connector: theirs, key: otherKey });
      const only = `${CONNECTION}/ANALYTICS/PUBLIC/THEIRS_ONLY`;
      fake.seed.entity(ANA, { typeName: 'Table', qualifiedName: only, name: 'theirs' });
      await settle();
      expect((await t.http().get(`/v1/assets/${enc(only)}`).set(auth(otherKey))).status).toBe(200);
      expect(await asset(only)).toBeUndefined();
      // what they hold is theirs alone: our assets are not in their catalog
      expect((await t.http().get(`/v1/assets/${enc(RAW)}`).set(auth(otherKey))).status).toBe(404);
      const rows = await t.runtime.database.inTenant(asTenantId('default'), async (tx) =>
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM atlas_entities WHERE connector_id = ${theirs.id}`.execute(tx.db)).rows[0].n);
      expect(rows).toBe(0);
    });
  });
});
