import { platformApp } from '../../apps/platform/src/platform.app';
import { FANOUT_QUEUE, RULE_PLAN_QUEUE } from '@tributary/propagation';
import { settled } from '../support/propagation';
import { enc, startTestApp, TestApp } from '../support/test-app';

const numbers = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
/** Comprehension macros nested over lists built in the expression: the kind of filter that froze the shared process for 7.7 s. */
const STALLING = `event.severity == "SEV-1" || ${numbers(42)}.exists(a, ${numbers(42)}.exists(b, ${numbers(42)}.exists(c, `
  + `${numbers(42)}.exists(d, ${numbers(42)}.exists(e, a + b + c + d + e == event.count)))))`;
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

describe('Tenant-written expressions', () => {
  describe('through the API alone (no propagator in the process)', () => {
    let t: TestApp;
    let viewerKey: string;
    const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
    const check = (body: object, headers = auth()) => t.http().post('/v1/expressions/check').set(headers).send(body);

    beforeAll(async () => {
      t = await startTestApp();
      viewerKey = (await t.http().post('/v1/api-keys').set(auth()).send({ name: 'viewer', roles: ['viewer'] })).body.key;
    });
    afterAll(async () => { await t?.close(); });

    describe('POST /v1/expressions/check', () => {
      it('answers ok with the estimated cost of an expression', async () => {
        const res = await check({ expression: 'event.severity == "SEV-1" && event.tables.exists(t, t.ref.startsWith("raw:"))', variables: ['event'] });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ ok: true, cost: expect.any(Number), budget: 100_000 });
        expect(res.body.cost).toBeGreaterThan(0);
      });

      it('refuses a syntax error, an unknown variable and an unavailable function with 422 and the position', async () => {
        const syntax = await check({ expression: 'event.severity ==', variables: ['event'] });
        expect([syntax.status, syntax.body.error.code, syntax.body.error.details.position]).toEqual([422, 'invalid_expression', 17]);
        const unknown = await check({ expression: 'source.qualifiedName', variables: ['event'] });
        expect([unknown.status, unknown.body.error.code]).toEqual([422, 'invalid_expression']);
        const regex = await check({ expression: 'event.title.matches("(a+)+$")', variables: ['event'] });
        expect([regex.status, regex.body.error.code, regex.body.error.details.position]).toEqual([422, 'invalid_expression', 12]);
        expect(regex.body.error.message).toMatch(/matches\(\) is not available/);
      });

      it('refuses an expression that could exceed the budget, with the part, its estimate and the budget', async () => {
        const res = await check({ expression: STALLING, variables: ['event'] });
        expect(res.status).toBe(422);
        expect(res.body.error).toMatchObject({ code: 'expression_too_costly',
          details: { field: 'expression', budget: 100_000, position: expect.any(Number), part: expect.stringMatching(/^\[0, 1, 2/) } });
        expect(res.body.error.details.estimate).toBeGreaterThan(100_000);
        expect(res.body.error.message).toMatch(/could cost up to .* units; an evaluation may use at most 100,000/);
      });

      it('validates the body and needs the steward role', async () => {
        expect((await check({ expression: 'true' })).status).toBe(422);
        expect((await check({ expression: 'true', variables: ['not a name'] })).status).toBe(422);
        expect((await check({ expression: 'x'.repeat(5000), variables: ['event'] })).status).toBe(422);
        expect((await check({ expression: 'true', variables: ['event'] }, { Authorization: `Bearer ${viewerKey}` })).status).toBe(403);
      });
    });

    describe('saving', () => {
      it('refuses a rule whose filter or value could exceed the budget, naming the field', async () => {
        const filter = await t.http().post('/v1/rules').set(auth()).send({ name: 'stall', trigger: ['asset.updated'], filter: STALLING,
          action: { type: 'propagate_classification' } });
        expect([filter.status, filter.body.error.code, filter.body.error.details.field]).toEqual([422, 'expression_too_costly', 'filter']);
        const value = await t.http().post('/v1/rules').set(auth()).send({ name: 'stall', trigger: ['asset.updated'],
          action: { type: 'propagate_attribute', attribute: 'x', when: 'true', value: STALLING.replaceAll('event', 'source') } });
        expect([value.status, value.body.error.code, value.body.error.details.field]).toEqual([422, 'expression_too_costly', 'action.value']);
        expect((await t.http().get('/v1/rules').set(auth())).body.items.map((r: { name: string }) => r.name)).not.toContain('stall');
      });

      it('refuses a connector whose filter or transform could exceed the budget', async () => {
        const res = await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'stall',
          config: { mappings: MAPPINGS, transform: `{"title": ${STALLING} ? "a" : "b"}` } });
        expect([res.status, res.body.error.code, res.body.error.details.field]).toEqual([422, 'expression_too_costly', 'config.transform']);
      });
    });

    describe('saving a rule', () => {
      it('answers at once and leaves the planning over the assets to a job', async () => {
        await t.http().put('/v1/assets').set(auth()).send({ assets: Array.from({ length: 50 }, (_, i) => (
          { qualifiedName: `plan/t${i}`, typeName: 'Table', attributes: { steward: `s${i}@acme.io` } })) }).expect(200);
        await t.http().put('/v1/lineage').set(auth()).send({ edges: Array.from({ length: 49 }, (_, i) => ({ from: `plan/t${i}`, to: `plan/t${i + 1}` })) })
          .expect(200);
        const res = await t.http().post('/v1/rules').set(auth()).send({ name: 'steward downstream', trigger: ['asset.updated'],
          action: { type: 'propagate_attribute', attribute: 'upstreamSteward', when: '"steward" in source.attributes', value: 'source.attributes.steward' } });
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ name: 'steward downstream', planning: 'queued' });
        // no propagator runs in this process: the planning waits in its queue, and nothing was planned inside the request
        expect(await t.runtime.jobQueue.depth(RULE_PLAN_QUEUE)).toBe(1);
        expect(await t.runtime.jobQueue.depth(FANOUT_QUEUE)).toBe(0);
        const changed = await t.http().patch(`/v1/rules/${res.body.id}`).set(auth()).send({ enabled: false });
        expect(changed.body).toMatchObject({ enabled: false, planning: 'queued' });
      });
    });
  });

  describe('with the propagator', () => {
    let t: TestApp;
    const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

    beforeAll(async () => { t = await startTestApp({ parts: platformApp }); });
    afterAll(async () => { await t?.close(); });

    it('the planning job of a new rule propagates over the assets that existed before it', async () => {
      await t.http().put('/v1/assets').set(auth()).send({ assets: [
        { qualifiedName: 'job/a', typeName: 'Table', attributes: { steward: 'ann@acme.io' } }, { qualifiedName: 'job/b', typeName: 'Table' }] }).expect(200);
      await t.http().put('/v1/lineage').set(auth()).send({ edges: [{ from: 'job/a', to: 'job/b' }] }).expect(200);
      await settled(t);
      const res = await t.http().post('/v1/rules').set(auth()).send({ name: 'steward downstream', trigger: ['asset.updated'],
        action: { type: 'propagate_attribute', attribute: 'upstreamSteward', when: '"steward" in source.attributes', value: 'source.attributes.steward' } });
      expect(res.body.planning).toBe('queued');
      await settled(t);
      expect((await t.http().get(`/v1/assets/${enc('job/b')}`).set(auth())).body.attributes).toMatchObject({ upstreamSteward: 'ann@acme.io' });
    });
  });
});
