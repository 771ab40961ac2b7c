import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { AtlasFake, AtlasFakeEnvelope, AtlasFakeRequest, startAtlasFake } from '../support/fakes/atlas-fake';
import { incidentUpdateWebhook, incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface Connector { id: string; signingSecret: string }
interface Delivery {
  id: string; connectorId: string; status: string; ref: Record<string, string> | null; attemptCount: number;
  attempts: { outcome: string; answer: string }[];
  writeback: { assetId: number; qualifiedName: string | null; written: { attributes: Record<string, unknown>; tags: string[] } | null;
    wantedSequence: number; sentSequence: number } | null;
}
interface DeadLetter { id: string; stream: string; reason: string; payload: Record<string, unknown> }

/** The warehouse's tables as the catalog names them; Tributary's assets carry the connector's prefix (Monte Carlo's mappings name them so). */
const PREFIX = 'snowflake/acme/';
const RAW = 'ANALYTICS/PUBLIC/RAW_ORDERS';
const ORDERS = 'ANALYTICS/PUBLIC/ORDERS';
const REVENUE = 'ANALYTICS/PUBLIC/REVENUE';
const LOST = 'ANALYTICS/PUBLIC/LOST';
const ODD = 'ANALYTICS/PUBLIC/ODD';
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
const ANA = { user: 'ana@acme.io' };
const MONITORED = ['assetMcIncidentNames', 'assetMcIncidentQualifiedNames', 'assetMcIncidentTypes', 'assetMcIncidentSeverities', 'assetMcIncidentStates'];

/**
 * The bridge's write-back, end to end on the all-in-one platform: the catalogs are local fakes
 * that follow the contract (Atlan's webhooks POSTed to the connector as Atlan sends them, so the
 * source side links entities to assets and meets the bridge's own writes coming back), incidents
 * come as Monte Carlo webhooks, and what was written is read from the fakes' stored entities and
 * request logs and from `GET /v1/deliveries`.
 */
describe('atlas write-back', () => {
  let t: TestApp;
  let mc: Connector;
  const auth = (key = t.adminKey) => ({ Authorization: `Bearer ${key}` });
  const mcDeliver = async (payload: Record<string, unknown>, connector = mc) => {
    const body = JSON.stringify(payload);
    await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
  };
  const incidentOf = (externalId: string, key = t.adminKey) => waitFor(`incident ${externalId}`, async () => {
    const items = (await t.http().get('/v1/incidents?limit=500').set(auth(key))).body.items as { id: string; externalId: string; status: string }[];
    return items.find((i) => i.externalId === externalId);
  });
  const deliveries = async (connectorId: string, key = t.adminKey) =>
    (await t.http().get(`/v1/deliveries?limit=500&connectorId=${connectorId}`).set(auth(key)).expect(200)).body.items as Delivery[];
  const deadLetters = async () => (await t.http().get('/v1/dead-letters?limit=500').set(auth())).body.items as DeadLetter[];

  /** An Atlan (or Atlas) fake whose notifications go to a connector's webhook in order, as Atlan posts them. */
  const piped = (fake: AtlasFake) => {
    const to: { connector?: Connector; refused: string[]; chain: Promise<void> } = { refused: [], chain: Promise.resolve() };
    fake.listen((envelope: AtlasFakeEnvelope) => {
      const body = JSON.stringify(envelope);
      to.chain = to.chain.then(async () => {
        if (!to.connector) return;
        const res = await t.http().post(`/v1/hooks/atlan/${to.connector.id}`).set('Content-Type', 'text/plain; charset=utf-8')
          .set('x-atlan-signing-secret', to.connector.signingSecret).send(body);
        if (res.status !== 202) to.refused.push(`${res.status} ${res.text}`);
      });
    });
    return to;
  };

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0, jobAttempts: 5, jobBackoffMs: 100, outboundTimeoutMs: 2_000, ...LOCAL_OUTBOUND_CONFIG } });
    mc = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } }).expect(201)).body;
  });
  afterAll(async () => {
    await t.close();
  });

  describe('to Atlan', () => {
    let fake: AtlasFake;
    let atlan: Connector;
    let pipe: ReturnType<typeof piped>;
    const guids: Record<string, string> = {};
    const entity = (qn: string) => fake.entityByQualifiedName('Table', qn)!;
    const row = async (qn: string) => (await deliveries(atlan.id)).find((d) => d.writeback?.qualifiedName === PREFIX + qn);
    /** the entity's write-back is up to date with every change so far */
    const settled = (qn: string) => waitFor(`the write-back of ${qn} to be up to date`, async () => {
      const d = await row(qn);
      return d && d.status === 'sent' && d.writeback!.sentSequence >= d.writeback!.wantedSequence ? d : undefined;
    });
    /** the entities show no announcement, and their write-backs are up to date: nothing left in flight for the next test */
    const healthy = async (...qns: string[]) => {
      for (const qn of qns) await waitFor(`${qn} healthy again`, async () => (entity(qn).attributes.announcementType === undefined ? true : undefined));
      for (const qn of qns) await settled(qn);
    };
    const bulksWith = (guid: string, since = 0) => fake.requests.filter((r) => r.apiPath === '/entity/bulk' && r.at >= since
      && ((r.body as { entities?: { guid?: string }[] }).entities ?? []).some((e) => e.guid === guid));

    beforeAll(async () => {
      fake = await startAtlasFake({ flavour: 'atlan', tagTypes: ['PII'] });
      pipe = piped(fake);
      atlan = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'atlan', name: 'atlan',
        config: { ...fake.config({ qualifiedNamePrefix: PREFIX }), signingSecret: 'atlan-webhook-secret-0001' } }).expect(201)).body;
      pipe.connector = atlan;
      for (const qn of [RAW, ORDERS, REVENUE, LOST, ODD]) guids[qn] = fake.seed.entity(ANA, { typeName: 'Table', qualifiedName: qn });
      fake.seed.process(ANA, { qualifiedName: 'default/dbt/orders', inputs: [guids[RAW]], outputs: [guids[ORDERS]] });
      fake.seed.process(ANA, { qualifiedName: 'default/dbt/revenue', inputs: [guids[ORDERS]], outputs: [guids[REVENUE]] });
      await waitFor('the lineage from Atlan', async () => {
        const res = await t.http().get(`/v1/lineage/${enc(PREFIX + REVENUE)}?direction=upstream&depth=2`).set(auth());
        const nodes = (res.body.nodes ?? []) as { qualifiedName: string }[];
        return nodes.some((n) => n.qualifiedName === PREFIX + RAW) ? true : undefined;
      });
      // the assets came in healthy: nothing to tell their entities, nothing written
      for (const qn of [RAW, ORDERS, REVENUE]) await settled(qn);
      expect(fake.writes()).toEqual([]);
    });
    afterAll(async () => {
      await pipe.chain;
      await fake.stop();
    });
    afterEach(async () => {
      await pipe.chain;
      expect(pipe.refused).toEqual([]);
    });

    it('an incident shows on its entity as Monte Carlo attributes and an issue, downstream as a warning, and goes when resolved', async () => {
      const externalId = randomUUID();
      await mcDeliver(incidentWebhook({ incidentId: externalId, severity: 'SEV-1' }));
      const incident = await incidentOf(externalId);
      await waitFor('the issue on ORDERS', async () => (entity(ORDERS).attributes.announcementType === 'issue' ? true : undefined));
      const orders = entity(ORDERS);
      expect(orders.attributes.assetMcIncidentQualifiedNames).toEqual([`tributary/incidents/${incident.id}`]);
      for (const key of ['assetMcIncidentNames', 'assetMcIncidentTypes', 'assetMcIncidentSeverities', 'assetMcIncidentStates']) {
        expect({ key, values: (orders.attributes[key] as string[]).length }).toEqual({ key, values: 1 });
      }
      expect(orders.attributes).toMatchObject({ assetMcIsMonitored: true, announcementTitle: expect.stringMatching(/^Open incident: /) });
      expect(orders.updatedBy).toBe(fake.serviceUser);
      await waitFor('the warning on REVENUE', async () => (entity(REVENUE).attributes.announcementType === 'warning' ? true : undefined));
      expect(entity(REVENUE).attributes.announcementMessage).toBe('Tributary reports 1 open incident upstream.');
      expect(entity(RAW).attributes).not.toHaveProperty('announcementType');

      await mcDeliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'fixed' }));
      await healthy(ORDERS, REVENUE);
      for (const key of MONITORED) expect({ key, values: entity(ORDERS).attributes[key] }).toEqual({ key, values: [] });
      expect(entity(ORDERS).attributes).not.toHaveProperty('announcementTitle');
      expect(entity(ORDERS).attributes).not.toHaveProperty('announcementMessage');

      const shown = await settled(ORDERS);
      expect(shown.ref).toEqual({ guid: guids[ORDERS], typeName: 'Table', qualifiedName: ORDERS });
      expect(shown.attempts[0]).toMatchObject({ outcome: 'sent', answer: expect.stringContaining(`written to ${guids[ORDERS]}`) });
      expect(shown.writeback!.written!.attributes).toMatchObject({ assetMcIncidentNames: [], assetMcIsMonitored: true });
      expect(shown.writeback!.written!.attributes).not.toHaveProperty('announcementType');
      // the bridge's writes came back as Atlan's notifications, made by its own user: ignored, never applied to the assets
      const asset = (await t.http().get(`/v1/assets/${enc(PREFIX + ORDERS)}`).set(auth()).expect(200)).body as { attributes: Record<string, unknown> };
      expect(asset.attributes).not.toHaveProperty('assetMcIncidentNames');
    });

    it('writes nothing when a change leaves what the catalog shows as it was', async () => {
      const before = await settled(ORDERS);
      const writes = fake.writes().length;
      const asset = (await t.http().get(`/v1/assets/${enc(PREFIX + ORDERS)}`).set(auth()).expect(200)).body as { typeName: string };
      await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: PREFIX + ORDERS, typeName: asset.typeName, attributes: { note: randomUUID() } }] })
        .expect(200);
      const after = await waitFor('the change to be seen', async () => {
        const d = await settled(ORDERS);
        return d.writeback!.wantedSequence > before.writeback!.wantedSequence ? d : undefined;
      });
      expect(fake.writes()).toHaveLength(writes);
      expect(after.attemptCount).toBe(before.attemptCount);
    });

    it('a deprecation in Tributary: DEPRECATED on the entity, a warning downstream; both removed when undone', async () => {
      const asset = (await t.http().get(`/v1/assets/${enc(PREFIX + RAW)}`).set(auth()).expect(200)).body as { typeName: string };
      const deprecate = (certificate: string | null) => t.http().put('/v1/assets').set(auth())
        .send({ assets: [{ qualifiedName: PREFIX + RAW, typeName: asset.typeName, attributes: { certificate } }] }).expect(200);
      await deprecate('DEPRECATED');
      await waitFor('RAW deprecated', async () => (entity(RAW).attributes.certificateStatus === 'DEPRECATED' ? true : undefined));
      expect(entity(RAW).attributes.certificateStatusMessage).toBe('Deprecated in Tributary.');
      await waitFor('the warning on ORDERS', async () => (entity(ORDERS).attributes.announcementTitle === 'Upstream asset deprecated' ? true : undefined));
      expect(entity(ORDERS).attributes.announcementMessage).toBe(`Tributary reports deprecated upstream: ${PREFIX + RAW}.`);

      await deprecate(null);
      await waitFor('RAW no longer deprecated', async () => (entity(RAW).attributes.certificateStatus === undefined ? true : undefined));
      await healthy(ORDERS, REVENUE);
    });

    it('a propagated tag reaches downstream entities once, as propagate:false, and is removed when Tributary removes it', async () => {
      const pii = fake.tagName('PII');
      const since = Date.now();
      fake.seed.addTag(ANA, guids[RAW], 'PII');
      for (const qn of [ORDERS, REVENUE]) {
        await waitFor(`PII on ${qn}`, async () => (entity(qn).classifications.length > 0 ? true : undefined));
        expect(entity(qn).classifications).toEqual([expect.objectContaining({ typeName: pii, entityGuid: guids[qn], propagate: false })]);
      }
      for (const qn of [ORDERS, REVENUE]) await settled(qn);
      await pipe.chain;
      for (const qn of [ORDERS, REVENUE]) await settled(qn);
      // once each: the tag written came back as a notification by the bridge's user, and was not taken as a direct tag
      for (const qn of [ORDERS, REVENUE]) {
        const tagged = bulksWith(guids[qn], since).filter((r) => JSON.stringify(r.body).includes('addOrUpdateClassifications'));
        expect({ qn, writes: tagged.length }).toEqual({ qn, writes: 1 });
        const tags = (await t.http().get(`/v1/assets/${enc(PREFIX + qn)}`).set(auth()).expect(200)).body.classifications as { name: string; source: string }[];
        expect(tags.map((c) => `${c.name}:${c.source}`)).toEqual(['PII:propagated']);
      }
      expect(entity(RAW).classifications).toEqual([expect.objectContaining({ typeName: pii, entityGuid: guids[RAW], propagate: true })]);
      expect((await settled(ORDERS)).writeback!.written!.tags).toEqual([pii]);

      // Tributary removes the tag at its source: what it propagated is retracted, and so is what was written of it
      await t.http().delete(`/v1/assets/${enc(PREFIX + RAW)}/classifications/PII`).set(auth()).expect(200);
      for (const qn of [ORDERS, REVENUE]) {
        await waitFor(`PII gone from ${qn}`, async () => (entity(qn).classifications.length === 0 ? true : undefined));
      }
      expect((await settled(ORDERS)).writeback!.written!.tags).toEqual([]);
    });

    it('a tag removed at its source in the catalog is removed from the entities it was written to', async () => {
      const pii = fake.tagName('PII');
      // RAW still holds the catalog's own PII (Tributary removed only its copy): taken off and put back on, it is new to Tributary
      fake.seed.removeTag(ANA, guids[RAW], 'PII');
      fake.seed.addTag(ANA, guids[RAW], 'PII');
      for (const qn of [ORDERS, REVENUE]) {
        await waitFor(`PII on ${qn}`, async () => (entity(qn).classifications.some((c) => c.typeName === pii) ? true : undefined));
      }
      fake.seed.removeTag(ANA, guids[RAW], 'PII');
      for (const qn of [ORDERS, REVENUE]) {
        await waitFor(`PII gone from ${qn}`, async () => (entity(qn).classifications.length === 0 ? true : undefined));
        expect((await settled(qn)).writeback!.written!.tags).toEqual([]);
      }
      await pipe.chain;
      const tags = (await t.http().get(`/v1/assets/${enc(PREFIX + RAW)}`).set(auth()).expect(200)).body.classifications as unknown[];
      expect(tags).toEqual([]);
    });

    it('waits out a 429 for as long as Retry-After says, without using up an attempt', async () => {
      const since = Date.now();
      fake.fail({ status: 429, retryAfter: '1', path: '/entity/bulk' });
      const externalId = randomUUID();
      await mcDeliver(incidentWebhook({ incidentId: externalId, tables: ['analytics:public.orders'] }));
      await waitFor('the issue on ORDERS', async () => (entity(ORDERS).attributes.announcementType === 'issue' ? true : undefined));
      const limited = fake.requests.find((r) => r.apiPath === '/entity/bulk' && r.at >= since && r.status === 429)!;
      expect(limited).toBeDefined();
      const limitedGuids = ((limited.body as { entities: { guid: string }[] }).entities).map((e) => e.guid);
      const retried = fake.requests.find((r) => r.apiPath === '/entity/bulk' && r.at > limited.at && r.status === 200
        && (r.body as { entities: { guid: string }[] }).entities.some((e) => limitedGuids.includes(e.guid)))!;
      expect(retried.at - limited.at).toBeGreaterThanOrEqual(1_000);
      const d = (await deliveries(atlan.id)).find((x) => x.ref?.guid === limitedGuids[0])!;
      expect(d.attempts.map((a) => a.outcome)).toContain('rate_limited');
      expect(d.attempts.find((a) => a.outcome === 'rate_limited')!.answer).toBe('429: API rate limit exceeded');

      await mcDeliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'fixed' }));
      await healthy(ORDERS, REVENUE);
    });

    it('tries a 500 again with backoff, parks it after 5 tries in the dead letters, and a replay writes it', async () => {
      const since = Date.now();
      fake.fail({ status: 500, times: 5, path: '/entity/bulk' });
      const externalId = randomUUID();
      await mcDeliver(incidentWebhook({ incidentId: externalId, tables: ['analytics:public.revenue'] }));
      const parked = await waitFor('the write-back of REVENUE parked', async () => {
        const d = await row(REVENUE);
        return d?.status === 'parked' ? d : undefined;
      });
      expect(parked.attempts.slice(0, 5).map((a) => a.outcome)).toEqual(['parked', 'failed', 'failed', 'failed', 'failed']);
      expect(parked.attempts[0].answer).toBe('500 ATLAS-500-00-001: Internal server error injected fault (after 5 attempts)');
      expect(bulksWith(guids[REVENUE], since).map((r) => r.status)).toEqual([500, 500, 500, 500, 500]);
      expect(entity(REVENUE).attributes).not.toHaveProperty('announcementType');

      const letter = (await deadLetters()).find((l) => l.stream === 'atlas-writeback' && l.reason.includes(PREFIX + REVENUE))!;
      expect(letter.reason).toContain('ATLAS-500-00-001');
      expect(letter.payload).toMatchObject({ connectorId: atlan.id, guid: guids[REVENUE], qualifiedName: PREFIX + REVENUE });
      await t.http().post(`/v1/dead-letters/${letter.id}/replay`).set(auth()).expect(202);
      await waitFor('the issue on REVENUE', async () => (entity(REVENUE).attributes.announcementType === 'issue' ? true : undefined));
      expect((await settled(REVENUE)).attempts[0].outcome).toBe('sent');

      await mcDeliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'fixed' }));
      await healthy(REVENUE);
    });

    it('one bad entity in a bulk parks alone with Atlas\'s code (404 gone, 400 unknown type); the others are written', async () => {
      // the catalog lost LOST without telling (no notification), and ODD's type is one the catalog no longer has
      fake.entities.delete(guids[LOST]);
      await t.runtime.database.inTenant(asTenantId('default'), (tx) =>
        sql`UPDATE atlas_entities SET type_name = 'RetiredType' WHERE connector_id = ${atlan.id}::uuid AND guid = ${guids[ODD]}`.execute(tx.db));
      const externalId = randomUUID();
      await mcDeliver(incidentWebhook({ incidentId: externalId, tables: ['analytics:public.orders', 'analytics:public.lost', 'analytics:public.odd'] }));
      await waitFor('the issue on ORDERS', async () => (entity(ORDERS).attributes.announcementType === 'issue' ? true : undefined));
      const lost = await waitFor('LOST parked', async () => ((await row(LOST))?.status === 'parked' ? row(LOST) : undefined));
      const odd = await waitFor('ODD parked', async () => ((await row(ODD))?.status === 'parked' ? row(ODD) : undefined));
      expect(lost!.attempts[0].answer).toBe(`404 ATLAS-404-00-005: Given instance guid ${guids[LOST]} is invalid/not found`);
      expect(odd!.attempts[0].answer).toBe('400 ATLAS-400-00-014: Type ENTITY with name RetiredType does not exist');
      expect((await settled(ORDERS)).status).toBe('sent');
      const letters = (await deadLetters()).filter((l) => l.stream === 'atlas-writeback');
      expect(letters.filter((l) => l.reason.includes('ATLAS-404-00-005'))).toHaveLength(1);
      expect(letters.filter((l) => l.reason.includes('ATLAS-400-00-014'))).toHaveLength(1);

      await mcDeliver(incidentUpdateWebhook({ incidentId: externalId, feedback: 'fixed' }));
      await healthy(ORDERS, REVENUE);
    });

    it('never writes to another tenant\'s catalog, nor shows its write-backs', async () => {
      const other = await startAtlasFake({ flavour: 'atlan', tagTypes: ['PII'] });
      const otherPipe = piped(other);
      try {
        const created = await t.http().post('/v1/tenants').set(auth()).send({ id: 'globex', name: 'Globex', placement: 'pooled' }).expect(201);
        const key = created.body.adminKey as string;
        const otherMc = (await t.http().post('/v1/connectors').set(auth(key)).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } }).expect(201)).body;
        const otherAtlan = (await t.http().post('/v1/connectors').set(auth(key)).send({ type: 'atlan', name: 'atlan',
          config: { ...other.config({ qualifiedNamePrefix: PREFIX }), signingSecret: 'atlan-webhook-secret-0002' } }).expect(201)).body as Connector;
        otherPipe.connector = otherAtlan;
        // the same table names as the first tenant's
        const otherOrders = other.seed.entity(ANA, { typeName: 'Table', qualifiedName: ORDERS });
        await otherPipe.chain;
        await waitFor('the other tenant\'s ORDERS linked', async () => ((await deliveries(otherAtlan.id, key))[0]?.status === 'sent' ? true : undefined));
        const otherWrites = other.writes().length;
        const ourWrites = fake.writes().length;

        const ours = randomUUID();
        await mcDeliver(incidentWebhook({ incidentId: ours, tables: ['analytics:public.orders'] }));
        await waitFor('the issue on our ORDERS', async () => (entity(ORDERS).attributes.announcementType === 'issue' ? true : undefined));
        expect(other.writes()).toHaveLength(otherWrites);
        expect(other.entity(otherOrders)!.attributes).not.toHaveProperty('announcementType');

        const theirs = randomUUID();
        await mcDeliver(incidentWebhook({ incidentId: theirs, tables: ['analytics:public.orders'] }), otherMc);
        await waitFor('the issue on their ORDERS', async () => (other.entity(otherOrders)!.attributes.announcementType === 'issue' ? true : undefined));
        const theirIncident = await incidentOf(theirs, key);
        expect(other.entity(otherOrders)!.attributes.assetMcIncidentQualifiedNames).toEqual([`tributary/incidents/${theirIncident.id}`]);
        expect(fake.writes().filter((w: AtlasFakeRequest) => JSON.stringify(w.body).includes(theirIncident.id))).toEqual([]);
        // their connector's write-backs are not ours to list
        expect(await deliveries(otherAtlan.id)).toEqual([]);
        expect(fake.writes().length).toBeGreaterThan(ourWrites);

        await mcDeliver(incidentUpdateWebhook({ incidentId: ours, feedback: 'fixed' }));
        await healthy(ORDERS, REVENUE);
      } finally {
        await otherPipe.chain;
        expect(otherPipe.refused).toEqual([]);
        await other.stop();
      }
    });
  });

  describe('to Apache Atlas', () => {
    let fake: AtlasFake;
    const SRC = 'db.src@primary';
    const DST = 'db.dst@primary';
    const HIVE = 'hive/';
    const entity = (qn: string) => fake.entityByQualifiedName('hive_table', qn)!;

    /** Links an asset to an entity as the source side does (its Kafka reader is not part of this suite). */
    const link = (connectorId: string, guid: string, qn: string) => t.runtime.database.inTenant(asTenantId('default'), (tx) => sql`
      INSERT INTO atlas_entities (tenant_id, connector_id, guid, type_name, qualified_name, asset_id, is_process, direct_tags, event_time)
      SELECT 'default', ${connectorId}::uuid, ${guid}, 'hive_table', ${qn}, id, false, '{}', now() FROM assets WHERE qualified_name = ${HIVE + qn}`.execute(tx.db));
    const connector = async (config: Record<string, unknown>) =>
      (await t.http().post('/v1/connectors').set(auth()).send({ type: 'atlas', name: `atlas-${randomUUID().slice(0, 8)}`, config }).expect(201)).body as Connector;

    beforeAll(async () => {
      fake = await startAtlasFake({ flavour: 'atlas', tagTypes: ['PII'] });
      await t.http().put('/v1/assets').set(auth()).send({ assets: [SRC, DST].map((qn) => ({ qualifiedName: HIVE + qn, typeName: 'table' })) }).expect(200);
      await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: HIVE + SRC, to: HIVE + DST }] }).expect(200);
    });
    afterAll(async () => {
      await fake.stop();
    });

    it('writes a propagated tag through the classification endpoints, as propagate:false, and removes it', async () => {
      const atlas = await connector(fake.config({ qualifiedNamePrefix: HIVE }) as Record<string, unknown>);
      const src = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: SRC });
      const dst = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: DST });
      await link(atlas.id, src, SRC);
      await link(atlas.id, dst, DST);
      await t.http().post(`/v1/assets/${enc(HIVE + SRC)}/classifications`).set(auth()).send({ name: 'PII', propagate: true }).expect(200);
      await waitFor('PII on DST', async () => (entity(DST).classifications.length > 0 ? true : undefined));
      expect(entity(DST).classifications).toEqual([expect.objectContaining({ typeName: 'PII', entityGuid: dst, propagate: false })]);
      // Tributary's own direct tag is Tributary's: only what it propagates is written
      expect(entity(SRC).classifications).toEqual([]);
      const added = fake.requests.filter((r) => r.method === 'POST' && r.apiPath === '/entity/uniqueAttribute/type/hive_table/classifications');
      expect(added.map((r) => [r.query['attr:qualifiedName'], r.status])).toEqual([[DST, 204]]);
      expect(added[0].headers).toMatchObject({ 'x-atlan-agent-id': 'tributary', authorization: expect.stringMatching(/^Basic /) });
      // upstream Atlas ignores tags in a bulk update: none is sent there
      expect(fake.requests.filter((r) => r.apiPath === '/entity/bulk' && JSON.stringify(r.body).includes('Classifications'))).toEqual([]);

      await t.http().delete(`/v1/assets/${enc(HIVE + SRC)}/classifications/PII`).set(auth()).expect(200);
      await waitFor('PII gone from DST', async () => (entity(DST).classifications.length === 0 ? true : undefined));
      expect(fake.requests.filter((r) => r.method === 'DELETE').map((r) => [r.apiPath, r.status]))
        .toEqual([['/entity/uniqueAttribute/type/hive_table/classification/PII', 204]]);
    });

    it('a refused credential (Atlas\'s HTML 401) parks the write with its status and never shows the password', async () => {
      const password = `wrong-${randomUUID()}`;
      const bad = await connector(fake.config({ qualifiedNamePrefix: HIVE, auth: { username: 'tributary', password } }) as Record<string, unknown>);
      await link(bad.id, fake.entityByQualifiedName('hive_table', DST)!.guid, DST);
      await t.http().post(`/v1/assets/${enc(HIVE + SRC)}/classifications`).set(auth()).send({ name: 'PII', propagate: true }).expect(200);
      const parked = await waitFor('the write-back parked', async () => {
        const d = (await deliveries(bad.id))[0];
        return d?.status === 'parked' ? d : undefined;
      });
      expect(parked.attempts[0].answer).toBe('401: Error 401 Unauthorized');
      expect(fake.requests.some((r) => r.status === 401 && r.headers['x-atlan-agent-id'] === 'tributary')).toBe(true);
      const shown = JSON.stringify([await deliveries(bad.id), await deadLetters()]);
      expect(shown).not.toContain(password);
      expect(shown).not.toContain(Buffer.from(`tributary:${password}`).toString('base64'));
    });
  });
});
