import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import { inboundHeaders } from '@tributary/connectors';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { AtlasFake, AtlasFakeEnvelope, AtlasFakeRelationshipEnvelope, startAtlasFake } from '../support/fakes/atlas-fake';
import { pg, pgName, runEvent } from '../support/openlineage/events';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface Change { type: string; subject: string; data: Record<string, unknown> }

const SOURCE = 'sales.raw_orders@prod';
const TARGET = 'sales.orders@prod';
const OTHER = 'sales.returns@prod';
const PROCESS = 'sales.load_orders@prod';
const ANA = { user: 'ana' };

/**
 * The upstream Apache Atlas flavour of the bridge's source side: its notifications reach the inbound
 * log from its Kafka topic (the topic reader, tested in the distributed suite, logs each decoded
 * envelope as a delivery); here they are logged exactly as that reader logs them, and the catalog's
 * REST API (process ends, basic auth) is the fake's.
 */
describe('Atlas source (topic deliveries, applier)', () => {
  let t: TestApp;
  let fake: AtlasFake;
  let connectorId: string;
  const guids: Record<string, string> = {};
  let chain = Promise.resolve();

  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  /** While set, the fake's notifications are kept here instead of logged (to log several in one append). */
  let holding: AtlasFakeEnvelope[] | undefined;
  /** Decoded envelopes logged as the topic reader logs them: JSON, keyed by their entity or relationship, in one append. */
  const logged = async (...envelopes: (AtlasFakeEnvelope | AtlasFakeRelationshipEnvelope)[]) => {
    await t.runtime.eventLog.append('inbound', envelopes.map((envelope) => {
      const d: InboundDelivery = { id: randomUUID(), tenant: 'default', connectorId, connectorType: 'atlas', via: 'webhook', receivedAt: new Date(),
        contentType: 'application/json', body: JSON.stringify(envelope), traceparent: null };
      const key = 'entity' in envelope.message ? `entity:${envelope.message.entity.guid}` : `relationship:${envelope.message.relationship.guid}`;
      return { tenantId: asTenantId('default'), key: `${connectorId}/${key}`, value: inboundDeliveryCodec.encode(d), headers: inboundHeaders(d) };
    }));
  };
  const drained = () => waitFor('the ingestor to drain the inbound log', async () => ((await t.runtime.eventLog.lag('ingestor', 'inbound')) === 0 ? true : undefined));
  const settle = async () => {
    await chain;
    await drained();
  };
  const asset = async (qn: string) => {
    const res = await t.http().get(`/v1/assets/${enc(qn)}`).set(auth());
    return res.status === 200 ? res.body as { typeName: string; attributes: Record<string, unknown>; classifications: { name: string; source: string }[] } : undefined;
  };
  const tags = async (qn: string) => ((await asset(qn))?.classifications ?? []).map((c) => `${c.name}:${c.source}`).sort();
  const downstream = async (qn: string) =>
    ((await t.http().get(`/v1/lineage/${enc(qn)}?direction=downstream&depth=1`).set(auth())).body.nodes as { qualifiedName: string }[]).map((n) => n.qualifiedName).sort();
  const changes = async () => (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as Change[];
  const allChanges = async () => {
    const all: Change[] = [];
    for (let after = 0; ;) {
      const page = (await t.http().get(`/v1/changes?after=${after}&limit=1000`).set(auth())).body as { items: Change[]; next: number };
      all.push(...page.items);
      if (page.items.length < 1000) return all;
      after = page.next;
    }
  };
  /** How many batches of catalog notifications failed as a whole and were applied again one by one. */
  const batchesSplit = async () => (await t.http().get('/metrics').set(auth()).expect(200)).text.split('\n')
    .filter((l) => l.startsWith('tributary_ingest_batches_split_total{') && l.includes('kind="atlas_entity"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const deadLetters = async () => (await t.http().get('/v1/dead-letters').set(auth())).body.items as { reason: string }[];

  beforeAll(async () => {
    fake = await startAtlasFake({ flavour: 'atlas', tagTypes: ['PII', 'Gold'] });
    fake.listen((envelope) => { if (holding) holding.push(envelope); else chain = chain.then(() => logged(envelope)); });
    fake.listenRelationships((envelope) => { chain = chain.then(() => logged(envelope)); });
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0, ...LOCAL_OUTBOUND_CONFIG } });
    connectorId = (await t.http().post('/v1/connectors').set(auth())
      .send({ type: 'atlas', name: 'atlas', config: fake.config({ writeBack: false }) }).expect(201)).body.id;
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  it('takes no webhooks: its changes come from the topic', async () => {
    const res = await t.http().post(`/v1/hooks/atlas/${connectorId}`).set('x-atlan-signing-secret', 'whatever-it-may-be').send({});
    expect([res.status, res.body.error.code]).toEqual([404, 'no_webhooks']);
  });

  it('a hive_process\'s inputs × outputs become edges named by the process, its ends read through basic auth, after a 429', async () => {
    guids.source = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: SOURCE });
    guids.target = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: TARGET });
    guids.other = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: OTHER });
    fake.fail({ status: 429, path: /^\/entity\/guid\//, retryAfter: '0' });
    guids.process = fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: PROCESS, inputs: [guids.source], outputs: [guids.target, guids.other] });
    await settle();
    expect(await asset(SOURCE)).toMatchObject({ typeName: 'table' });
    expect(await downstream(SOURCE)).toEqual([TARGET, OTHER].sort());
    const reads = fake.requests.filter((r) => r.apiPath === `/entity/guid/${guids.process}`);
    expect(reads.map((r) => r.status)).toEqual([429, 200]);
    expect(reads.every((r) => r.headers.authorization?.startsWith('Basic '))).toBe(true);
    const added = (await changes()).filter((c) => c.type === 'lineage.edge.added').map((c) => c.data.after);
    expect(added).toEqual(expect.arrayContaining([{ from: SOURCE, to: TARGET, process: PROCESS }, { from: SOURCE, to: OTHER, process: PROCESS }]));
  });

  it('a process that loses an output loses that edge, and only its own: an edge a person drew stays', async () => {
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: TARGET, to: OTHER }] }).expect(200);
    fake.seed.update(ANA, guids.process, { outputs: [{ guid: guids.target }] });
    await settle();
    expect(await downstream(SOURCE)).toEqual([TARGET]);
    expect(await downstream(TARGET)).toEqual([OTHER]);
  });

  it('with relationship notifications on, an end related or unrelated through the relationship API (no process update) changes the edges', async () => {
    const processReads = () => fake.requests.filter((r) => r.apiPath === `/entity/guid/${guids.process}`).length;
    /** how many times SOURCE → OTHER was added and removed */
    const otherEdge = async () => {
      const of = (type: string) => (c: Change) => c.type === type && sameEdge((c.data.after ?? c.data.before) as { from: string; to: string });
      const sameEdge = (e: { from: string; to: string }) => e.from === SOURCE && e.to === OTHER;
      const all = await allChanges();
      return { added: all.filter(of('lineage.edge.added')).length, removed: all.filter(of('lineage.edge.removed')).length };
    };
    const [reads, before] = [processReads(), await otherEdge()];
    fake.seed.relate(ANA, { process: guids.process, end: guids.other, as: 'output' });
    await settle();
    expect(await downstream(SOURCE)).toEqual([TARGET, OTHER].sort());
    // the process read again from the catalog, once
    expect(processReads()).toBe(reads + 1);
    expect(await otherEdge()).toEqual({ added: before.added + 1, removed: before.removed });
    fake.seed.unrelate(ANA, { process: guids.process, end: guids.other, as: 'output' });
    await settle();
    expect(await downstream(SOURCE)).toEqual([TARGET]);
    expect(await otherEdge()).toEqual({ added: before.added + 1, removed: before.removed + 1 });
    expect(await deadLetters()).toEqual([]);
  });

  it('an edge two processes make stays while either makes it; one a person removed is drawn again by the next notification', async () => {
    const RELOAD = 'sales.reload_orders@prod';
    guids.reload = fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: RELOAD, inputs: [guids.source], outputs: [guids.target] });
    await settle();
    expect(await downstream(SOURCE)).toEqual([TARGET]);
    // the process that drew it no longer makes it; the other still does
    fake.seed.update(ANA, guids.process, { outputs: [] });
    await settle();
    expect(await downstream(SOURCE)).toEqual([TARGET]);
    // a person removes it: the catalog still says it, and the reload's next change draws it again
    await t.http().delete('/v1/lineage').set(auth()).send({ edges: [{ from: SOURCE, to: TARGET }] }).expect(200);
    expect(await downstream(SOURCE)).toEqual([]);
    fake.seed.update(ANA, guids.reload, { description: 'reloads orders' });
    await settle();
    expect(await downstream(SOURCE)).toEqual([TARGET]);
    // neither makes it: gone
    fake.seed.update(ANA, guids.reload, { outputs: [] });
    await settle();
    expect(await downstream(SOURCE)).toEqual([]);
    // as it was, for the tests below
    fake.seed.update(ANA, guids.process, { outputs: [{ guid: guids.target }] });
    fake.seed.remove(ANA, guids.reload);
    await settle();
    expect(await downstream(SOURCE)).toEqual([TARGET]);
  });

  it('an edge a catalog process and an OpenLineage job both make stays until neither does, whichever drew it', async () => {
    await t.http().post('/v1/connectors').set(auth()).send({ type: 'openlineage', name: 'airflow', config: {} }).expect(201);
    const [x, y] = [pgName('ol_x'), pgName('ol_y')];
    const complete = async (outputs: ReturnType<typeof pg>[]) => {
      await t.http().post('/api/v1/lineage').set(auth()).send(runEvent({ eventType: 'COMPLETE', job: 'copy_x', inputs: [pg('ol_x')], outputs })).expect(200);
      await drained();
    };
    const xGuid = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: x });
    const yGuid = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: y });
    await settle();
    // the job draws it, the process makes it too; the job stops: the process's
    await complete([pg('ol_y')]);
    const copy = fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: 'shop.copy_x@prod', inputs: [xGuid], outputs: [yGuid] });
    await settle();
    await complete([]);
    expect(await downstream(x)).toEqual([y]);
    // the job makes it again; the process stops: the job's; the job stops: gone
    await complete([pg('ol_y')]);
    fake.seed.update(ANA, copy, { outputs: [] });
    await settle();
    expect(await downstream(x)).toEqual([y]);
    await complete([]);
    expect(await downstream(x)).toEqual([]);
  });

  it('an entity the catalog renames (same guid, new qualifiedName) moves: the old asset deleted, the new one with its tags and lineage', async () => {
    const [up, before, after, down] = ['sales.r_up@prod', 'sales.r_old@prod', 'sales.r_new@prod', 'sales.r_down@prod'];
    const g = {
      up: fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: up }),
      renamed: fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: before }),
      down: fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: down }),
    };
    const load = fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: 'sales.r_load@prod', inputs: [g.renamed], outputs: [g.down] });
    const reload = fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: 'sales.r_reload@prod', inputs: [g.renamed], outputs: [g.down] });
    fake.seed.addTag(ANA, g.renamed, 'PII');
    await settle();
    await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: up, to: before }] }).expect(200);
    await waitFor('PII to propagate', async () => ((await tags(down)).includes('PII:propagated') ? true : undefined));

    // ALTER TABLE … RENAME, as Atlas's Hive hook reports it: an update of the entity's qualifiedName and name
    fake.seed.update(ANA, g.renamed, { qualifiedName: after, name: 'r_new' });
    await settle();
    expect(await asset(before)).toBeUndefined();
    expect(await asset(after)).toMatchObject({ typeName: 'table' });
    expect(await tags(after)).toEqual(['PII:direct']);
    expect(await downstream(up)).toEqual([after]);
    expect(await downstream(after)).toEqual([down]);
    await waitFor('PII propagated from the new name', async () => (await tags(down)).includes('PII:propagated') ? true : undefined);
    const moved = (await changes()).find((c) => c.type === 'lineage.edge.added' && (c.data.after as { from: string }).from === after);
    expect(moved?.data.after).toEqual({ from: after, to: down, process: 'sales.r_load@prod' });
    // the processes' claims moved too: the edge stays while the second still makes it
    fake.seed.update(ANA, load, { outputs: [] });
    await settle();
    expect(await downstream(after)).toEqual([down]);
    fake.seed.update(ANA, reload, { outputs: [] });
    await settle();
    expect(await downstream(after)).toEqual([]);
    expect(await downstream(up)).toEqual([after]);
    expect(await deadLetters()).toEqual([]);
  });

  it('upstream tag names are used as they are; a tag in the write-back\'s outbox is its own write coming back, never imported', async () => {
    const targetId = await t.runtime.database.inTenant(asTenantId('default'), async (tx) => {
      const id = (await sql<{ id: number }>`SELECT id FROM assets WHERE qualified_name = ${TARGET}`.execute(tx.db)).rows[0].id;
      await sql`INSERT INTO atlas_writebacks (tenant_id, connector_id, asset_id, wanted_sequence, sent_sequence, written, status)
                VALUES ('default', ${connectorId}, ${id}, 1, 1, ${JSON.stringify({ attributes: { description: 'as written back' }, tags: ['Gold'] })}::jsonb, 'sent')`
        .execute(tx.db);
      return id;
    });
    expect(targetId).toBeGreaterThan(0);
    fake.seed.addTag({ user: 'tributary' }, guids.target, 'Gold');
    fake.seed.update({ user: 'tributary' }, guids.target, { description: 'as written back' });
    fake.seed.addTag(ANA, guids.source, 'PII');
    await settle();
    expect(await tags(SOURCE)).toEqual(['PII:direct']);
    await waitFor('PII to propagate', async () => ((await tags(TARGET)).includes('PII:propagated') ? true : undefined));
    expect(await tags(TARGET)).toEqual(['PII:propagated']);
    expect((await asset(TARGET))?.attributes.description).toBeUndefined();
  });

  it('notifications logged together apply as they would one by one: creates, tags, an update, a process over them, a stale copy', async () => {
    const [a, b, load] = ['sales.batch_a@prod', 'sales.batch_b@prod', 'sales.batch_load@prod'];
    const held: AtlasFakeEnvelope[] = [];
    holding = held;
    const aGuid = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: a });
    const bGuid = fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: b });
    fake.seed.addTag(ANA, aGuid, 'PII');
    fake.seed.update(ANA, aGuid, { description: 'orders, batched' });
    fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: load, inputs: [aGuid], outputs: [bGuid] });
    fake.seed.addTag(ANA, bGuid, 'Gold');
    fake.seed.removeTag(ANA, bGuid, 'Gold');
    holding = undefined;
    // a's create again, a minute older than anything applied to a: were it applied, it would take PII away
    const stale = { ...held[0]!, message: { ...held[0]!.message, eventTime: held[0]!.message.eventTime - 60_000 } };
    // the process's create updates both its ends too (their relationship attributes)
    expect(held.map((e) => `${e.message.operationType} ${e.message.entity.guid === aGuid ? 'a' : e.message.entity.guid === bGuid ? 'b' : 'load'}`)).toEqual([
      'ENTITY_CREATE a', 'ENTITY_CREATE b', 'CLASSIFICATION_ADD a', 'ENTITY_UPDATE a', 'ENTITY_CREATE load', 'ENTITY_UPDATE a', 'ENTITY_UPDATE b',
      'CLASSIFICATION_ADD b', 'CLASSIFICATION_DELETE b']);
    const split = await batchesSplit();
    await logged(...held, stale);
    await settle();
    // applied as a batch, not after the batch failed and fell back to one notification at a time
    expect(await batchesSplit()).toBe(split);

    expect(await tags(a)).toEqual(['PII:direct']);
    expect((await asset(a))?.attributes.description).toBe('orders, batched');
    expect(await downstream(a)).toEqual([b]);
    await waitFor('PII to propagate to b', async () => ((await tags(b)).includes('PII:propagated') ? true : undefined));
    expect(await tags(b)).toEqual(['PII:propagated']);
    // each asset's own events (its edge and PII's propagation aside), in the notifications' order: Gold came and went on b
    const named = (c: Change) => {
      const tag = c.type.startsWith('asset.classification') ? ((c.data.after ?? c.data.before) as { name: string; source: string }) : undefined;
      return tag?.source === 'propagated' || !c.type.startsWith('asset.') || c.type === 'asset.health.changed' ? undefined : `${c.subject} ${c.type}${tag ? ` ${tag.name}` : ''}`;
    };
    const mine = (await allChanges()).filter((c) => c.subject === a || c.subject === b).map(named).filter((m) => m !== undefined);
    expect(mine.filter((m) => m.startsWith(a))).toEqual([`${a} asset.created`, `${a} asset.classification.added PII`, `${a} asset.updated`]);
    expect(mine.filter((m) => m.startsWith(b))).toEqual([`${b} asset.created`, `${b} asset.classification.added Gold`, `${b} asset.classification.removed Gold`]);
  });

  it('a process the catalog cannot be read for is parked with the reason after its tries, and changes nothing', async () => {
    fake.fail({ status: 500, path: /^\/entity\/guid\//, times: 20 });
    const before = await downstream(OTHER);
    const split = await batchesSplit();
    fake.seed.process(ANA, { typeName: 'hive_process', qualifiedName: 'sales.broken@prod', inputs: [guids.other], outputs: [guids.source] });
    await settle();
    const letters = await waitFor('the dead letter', async () => { const l = await deadLetters(); return l.length > 0 ? l : undefined; }, 30_000);
    expect(letters[0].reason).toMatch(/could not read process .* from the catalog: 500 ATLAS-500-00-001/);
    expect(await batchesSplit()).toBeGreaterThan(split);
    expect(await downstream(OTHER)).toEqual(before);
    fake.clearFaults();
  });

  it('a process deleted in the catalog takes its edges with it; a dataset deleted takes its asset', async () => {
    const letters = (await deadLetters()).length;
    // with relationship notifications on, each delete is followed by its relationships' RELATIONSHIP_DELETE (one eventTime)
    fake.seed.remove(ANA, guids.process);
    await settle();
    expect(await downstream(SOURCE)).toEqual([]);
    expect(await downstream(TARGET)).toEqual([OTHER]);
    fake.seed.remove(ANA, guids.other);
    await settle();
    expect(await asset(OTHER)).toBeUndefined();
    expect(await asset(SOURCE)).toBeDefined();
    // a deleted process read again (its relationship's delete) has no ends: nothing recreated, nothing parked
    expect(await downstream(SOURCE)).toEqual([]);
    expect((await deadLetters()).length).toBe(letters);
  });
});
