import { sql } from 'kysely';
import { platformApp } from '../../apps/platform/src/platform.app';
import { randomUUID } from 'node:crypto';
import { changeEventCodec } from '@tributary/contracts';
import { MAX_RULE_GENERATIONS } from '@tributary/propagation';
import { asTenantId } from '@tributary/store';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { settled } from '../support/propagation';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

type Tag = { name: string; source: string; propagatedFrom?: string; depth?: number; ruleId?: string };

describe('Propagation', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const assets = (...names: string[]) => t.http().put('/v1/assets').set(auth())
    .send({ assets: names.map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
  const link = (...pairs: [string, string][]) => t.http().put('/v1/lineage').set(auth()).send({ edges: pairs.map(([from, to]) => ({ from, to })) }).expect(200);
  const unlink = (...pairs: [string, string][]) => t.http().delete('/v1/lineage').set(auth()).send({ edges: pairs.map(([from, to]) => ({ from, to })) }).expect(200);
  const tag = (qn: string, name: string) => t.http().post(`/v1/assets/${enc(qn)}/classifications`).set(auth()).send({ name, propagate: true }).expect(200);
  const untag = (qn: string, name: string) => t.http().delete(`/v1/assets/${enc(qn)}/classifications/${enc(name)}`).set(auth()).expect(200);
  const tags = async (qn: string): Promise<Tag[]> => (await t.http().get(`/v1/assets/${enc(qn)}`).set(auth())).body.classifications;
  const propagated = async (qn: string) => (await tags(qn)).filter((c) => c.source === 'propagated')
    .map((c) => `${c.name}<-${c.propagatedFrom}@${c.depth}`).sort();

  beforeAll(async () => { t = await startTestApp({ parts: platformApp }); });
  afterAll(async () => { await t.close(); });

  describe('tag propagation', () => {
    beforeAll(async () => {
      // a -> b -> d, a -> c -> d (diamond), d -> e, e -> b (cycle)
      await assets('a', 'b', 'c', 'd', 'e', 'x');
      await link(['a', 'b'], ['b', 'd'], ['a', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'b']);
      await tag('a', 'PII');
      await settled(t);
    });

    it('puts the tag on every downstream asset with provenance and the shortest depth, through diamonds and cycles', async () => {
      expect(await propagated('b')).toEqual(['PII<-a@1']);
      expect(await propagated('c')).toEqual(['PII<-a@1']);
      expect(await propagated('d')).toEqual(['PII<-a@2']);
      expect(await propagated('e')).toEqual(['PII<-a@3']);
      expect(await propagated('a')).toEqual([]);
      expect(await propagated('x')).toEqual([]);
      expect((await tags('d')).find((c) => c.source === 'propagated')).toMatchObject({ ruleId: 'tag-propagation', propagate: true });
    });

    it('keeps two sources of one tag as two entries, beside a direct tag of the same name', async () => {
      await tag('c', 'PII');
      await tag('d', 'PII');
      await settled(t);
      expect(await propagated('d')).toEqual(['PII<-a@2', 'PII<-c@1']);
      expect((await tags('d')).filter((c) => c.source === 'direct').map((c) => c.name)).toEqual(['PII']);
      expect(await propagated('e')).toEqual(['PII<-a@3', 'PII<-c@2', 'PII<-d@1']);
    });

    it('removing the direct tag removes exactly what it propagated', async () => {
      await untag('c', 'PII');
      await untag('d', 'PII');
      await settled(t);
      expect(await propagated('d')).toEqual(['PII<-a@2']);
      expect(await propagated('e')).toEqual(['PII<-a@3']);
    });

    it('removing an edge retracts what is no longer reachable and re-depths what still is', async () => {
      await unlink(['a', 'b']);
      await settled(t);
      expect(await propagated('b')).toEqual(['PII<-a@4']); // now only via a -> c -> d -> e -> b
      await unlink(['c', 'd']);
      await settled(t);
      expect(await propagated('d')).toEqual([]);
      expect(await propagated('b')).toEqual([]);
      expect(await propagated('c')).toEqual(['PII<-a@1']);
      await link(['a', 'b'], ['c', 'd']);
      await settled(t);
      expect(await propagated('b')).toEqual(['PII<-a@1']);
    });

    it('deleting the source retracts everything it was the source of', async () => {
      await assets('s', 's1', 's2');
      await link(['s', 's1'], ['s1', 's2']);
      await tag('s', 'Finance');
      await settled(t);
      expect(await propagated('s2')).toEqual(['Finance<-s@2']);
      await t.http().delete(`/v1/assets/${enc('s')}`).set(auth()).expect(200);
      await settled(t);
      expect(await propagated('s1')).toEqual([]);
      expect(await propagated('s2')).toEqual([]);
    });

    it('writes each propagated change as an ordinary change event with origin rule:<id>, and audits it', async () => {
      const feed = (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as { type: string; subject: string; origin: string; data: { source: string } }[];
      const fromRule = feed.filter((e) => e.origin === 'rule:tag-propagation');
      expect(fromRule.length).toBeGreaterThan(0);
      expect(fromRule.every((e) => e.type.startsWith('asset.classification.') && e.data.source === 'propagated')).toBe(true);
      const audited = await t.runtime.database.inTenant(asTenantId('default'), (tx) => tx.db.selectFrom('audit_log').select('action')
        .where('actor', '=', 'rule:tag-propagation').execute());
      expect(audited.length).toBeGreaterThan(0);
      expect(new Set(audited.map((a) => a.action))).toEqual(new Set(['propagation.apply']));
    });
  });

  describe('rule chains', () => {
    it('a change that already passed through the most rule generations goes to the dead letters with its path', async () => {
      await assets('chain/src', 'chain/dst');
      await link(['chain/src', 'chain/dst']);
      await settled(t);
      const chain = Array.from({ length: MAX_RULE_GENERATIONS }, (_, i) => `rule-${i}`);
      const event = { id: randomUUID(), tenant: 'default', sequence: 0, type: 'asset.classification.added', subject: 'chain/src',
        time: new Date(), origin: 'rule:rule-7', traceparent: null,
        data: JSON.stringify({ source: 'direct', after: { name: 'Looping', propagate: true, source: 'direct' }, generation: MAX_RULE_GENERATIONS, chain }) };
      await t.runtime.eventLog.append('changes', [{ tenantId: asTenantId('default'), key: 'default/chain/src', value: changeEventCodec.encode(event), headers: {} }]);
      await settled(t);
      const letter = (await t.http().get('/v1/dead-letters').set(auth())).body.items.find((d: { stream: string }) => d.stream === 'propagation');
      expect(letter.reason).toBe(`rule chain stopped after ${MAX_RULE_GENERATIONS} rule generations: ${[...chain, 'tag-propagation'].join(' -> ')}`);
      expect(letter.payload.path).toEqual([...chain, 'tag-propagation']);
      expect(await propagated('chain/dst')).toEqual([]);
    });

    it('rule-made changes carry their generation and chain', async () => {
      const feed = (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as { origin: string; data: { generation?: number; chain?: string[] } }[];
      const made = feed.find((e) => e.origin === 'rule:tag-propagation')!;
      expect(made.data).toMatchObject({ generation: 1, chain: ['tag-propagation'] });
    });
  });

  describe('incident propagation', () => {
    it('an open incident upstream raises upstreamOpenIncidents (and warning) downstream; resolving lowers them', async () => {
      await assets('snowflake/acme/ANALYTICS/PUBLIC/SRC', 'inc/mid', 'inc/leaf');
      await link(['snowflake/acme/ANALYTICS/PUBLIC/SRC', 'inc/mid'], ['inc/mid', 'inc/leaf']);
      const connector = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc',
        config: { mappings: [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }] } })).body;
      const send = async (incidentId: string, feedback: string | null) => {
        const body = JSON.stringify(incidentWebhook({ incidentId, tables: ['analytics:public.src'], feedback }));
        await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
          .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
      };
      const health = async (qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}/health`).set(auth())).body;
      const openAtSource = async (n: number) => {
        await waitFor(`${n} open incidents at the source`, async () => ((await health('snowflake/acme/ANALYTICS/PUBLIC/SRC')).openIncidents === n ? true : undefined));
        await settled(t);
      };
      await send('up-1', null);
      await openAtSource(1);
      expect(await health('inc/mid')).toMatchObject({ status: 'warning', openIncidents: 0, upstreamOpenIncidents: 1 });
      expect(await health('inc/leaf')).toMatchObject({ status: 'warning', upstreamOpenIncidents: 1 });
      // a second incident leaves the source's status as it was (warning), and still counts downstream
      await send('up-2', null);
      await openAtSource(2);
      expect(await health('inc/leaf')).toMatchObject({ status: 'warning', upstreamOpenIncidents: 2 });
      await send('up-1', 'fixed');
      await openAtSource(1);
      expect(await health('inc/leaf')).toMatchObject({ status: 'warning', upstreamOpenIncidents: 1 });
      await send('up-2', 'fixed');
      await openAtSource(0);
      expect(await health('inc/leaf')).toMatchObject({ status: 'healthy', upstreamOpenIncidents: 0 });
      const events = (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items
        .filter((e: { type: string; subject: string }) => e.type === 'asset.health.changed' && e.subject.endsWith('SRC'));
      expect(events.map((e: { data: { after: unknown } }) => e.data.after)).toEqual([1, 2, 1, 0].map((n) => ({ status: n ? 'warning' : 'healthy', openIncidents: n })));
      const downstream = (await t.http().get('/v1/changes?limit=1000').set(auth())).body.items
        .filter((e: { type: string; subject: string; origin: string }) => e.type === 'asset.health.changed' && e.subject === 'inc/leaf');
      expect(downstream.map((e: { origin: string; data: { after: unknown } }) => [e.origin, e.data.after])).toEqual([1, 2, 1, 0].map((n) =>
        ['rule:incident-propagation', { status: n ? 'warning' : 'healthy', upstreamOpenIncidents: n }]));
    });
  });

  describe('incident propagation from a table with nothing downstream', () => {
    it('plans nothing while nothing is downstream, and reaches what is linked below it later', async () => {
      const lone = 'snowflake/acme/ANALYTICS/PUBLIC/LONE';
      await assets(lone, 'lone/below');
      const connector = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc-lone',
        config: { mappings: [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }] } })).body;
      const body = JSON.stringify(incidentWebhook({ incidentId: 'lone-1', tables: ['analytics:public.lone'] }));
      await t.http().post(`/v1/hooks/montecarlo/${connector.id}`).set('Content-Type', 'application/json')
        .set('x-mcd-signature', signMonteCarlo(body, connector.signingSecret)).send(body).expect(202);
      const health = async (qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}/health`).set(auth())).body;
      await waitFor('the incident', async () => ((await health(lone)).openIncidents === 1 ? true : undefined));
      await settled(t);
      const generations = () => t.runtime.database.inTenant(asTenantId('default'), async (tx) => (await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM propagation_generations g JOIN assets a ON a.id = g.source_id
        WHERE a.qualified_name = ${lone}`.execute(tx.db)).rows[0].n);
      expect(await generations()).toBe(0);
      await link([lone, 'lone/below']);
      await settled(t);
      expect(await health('lone/below')).toMatchObject({ status: 'warning', upstreamOpenIncidents: 1 });
      expect(await generations()).toBe(1);
    });
  });

  describe('deprecation warning', () => {
    it('a DEPRECATED certificate lists the asset in upstreamDeprecated downstream, and clearing it removes it', async () => {
      await assets('dep/old', 'dep/other', 'dep/child', 'dep/grandchild');
      await link(['dep/old', 'dep/child'], ['dep/other', 'dep/child'], ['dep/child', 'dep/grandchild']);
      const certify = (qn: string, certificate: string | null) => t.http().put('/v1/assets').set(auth())
        .send({ assets: [{ qualifiedName: qn, typeName: 'Table', attributes: { certificate } }] }).expect(200);
      const attributes = async (qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}`).set(auth())).body.attributes;
      await certify('dep/old', 'DEPRECATED');
      await certify('dep/other', 'DEPRECATED');
      await settled(t);
      expect((await attributes('dep/grandchild')).upstreamDeprecated).toEqual(['dep/old', 'dep/other']);
      await certify('dep/old', null);
      await settled(t);
      expect((await attributes('dep/grandchild')).upstreamDeprecated).toEqual(['dep/other']);
      await certify('dep/other', 'VERIFIED');
      await settled(t);
      expect(await attributes('dep/grandchild')).toEqual({});
    });
  });

  describe('rules', () => {
    it('a steward rule propagates owner to downstream assets that have none, within its depth and types', async () => {
      await t.http().put('/v1/assets').set(auth()).send({ assets: [
        { qualifiedName: 'own/src', typeName: 'Table', attributes: { owner: 'ann@acme.io' } },
        { qualifiedName: 'own/t1', typeName: 'Table' },
        { qualifiedName: 'own/v1', typeName: 'View' },
        { qualifiedName: 'own/t2', typeName: 'Table', attributes: { owner: 'bob@acme.io' } },
        { qualifiedName: 'own/t3', typeName: 'Table' }] }).expect(200);
      await link(['own/src', 'own/t1'], ['own/src', 'own/v1'], ['own/t1', 'own/t2'], ['own/t2', 'own/t3']);
      const rule = await t.http().post('/v1/rules').set(auth()).send({ name: 'owner downstream', trigger: ['asset.created', 'asset.updated'],
        action: { type: 'propagate_attribute', attribute: 'owner', when: '"owner" in source.attributes', value: 'source.attributes.owner',
          aggregate: 'nearest', maxDepth: 2, typeNames: ['Table'] } });
      expect(rule.status).toBe(201);
      await settled(t);
      const owner = async (qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}`).set(auth())).body.attributes.owner;
      expect(await owner('own/t1')).toBe('ann@acme.io');
      expect(await owner('own/v1')).toBeUndefined(); // not a Table
      expect(await owner('own/t2')).toBe('bob@acme.io'); // its own value wins
      expect(await owner('own/t3')).toBe('bob@acme.io'); // nearest source: own/t2 at depth 1
      await t.http().patch(`/v1/rules/${rule.body.id}`).set(auth()).send({ enabled: false }).expect(200);
      await settled(t);
      expect(await owner('own/t1')).toBeUndefined();
      expect(await owner('own/t2')).toBe('bob@acme.io');
    });

    it('built-in rules are listed, can be switched off (retracting), and not edited or deleted', async () => {
      const list = (await t.http().get('/v1/rules').set(auth())).body.items.map((r: { id: string }) => r.id);
      expect(list).toEqual(expect.arrayContaining(['tag-propagation', 'incident-propagation', 'deprecation-warning']));
      expect((await t.http().patch('/v1/rules/tag-propagation').set(auth()).send({ filter: 'true' })).status).toBe(403);
      expect((await t.http().delete('/v1/rules/tag-propagation').set(auth())).status).toBe(409);
      await t.http().patch('/v1/rules/tag-propagation').set(auth()).send({ enabled: false }).expect(200);
      await settled(t);
      expect(await propagated('d')).toEqual([]);
      await t.http().patch('/v1/rules/tag-propagation').set(auth()).send({ enabled: true }).expect(200);
      await settled(t);
      expect(await propagated('d')).toEqual(['PII<-a@2']);
    });

    it('a broken expression is rejected when the rule is saved, with its position', async () => {
      const res = await t.http().post('/v1/rules').set(auth()).send({ name: 'broken', trigger: ['asset.updated'], filter: 'event.type ==',
        action: { type: 'propagate_classification' } });
      expect([res.status, res.body.error.code, res.body.error.details.field, res.body.error.details.position]).toEqual([422, 'invalid_expression', 'filter', 13]);
      const bad = await t.http().post('/v1/rules').set(auth()).send({ name: 'x', trigger: ['nope'], action: { type: 'propagate_classification' } });
      expect(bad.status).toBe(422);
    });
  });
});
