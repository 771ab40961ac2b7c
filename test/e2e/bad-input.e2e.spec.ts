import { Client } from 'pg';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

type Res = { status: number; body: { error?: { code: string; message: string; details?: { issues?: { path: string; message: string }[] } } } };
type Route = { method: string; path: string };

const NUL = '\u0000';
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
/** A well-formed value for each path parameter of the API, so that one parameter at a time can be made bad. */
const GOOD_PARAM: Record<string, string> = { qualifiedName: 'some/asset', name: 'PII', id: UNKNOWN_UUID, connectorType: 'montecarlo', connectorId: UNKNOWN_UUID };
/** Routes whose `id` is not a UUID. */
const GOOD_ID: Record<string, string> = { '/v1/api-keys/{id}': '0123456789abcdef', '/v1/rules/{id}': 'no-such-rule' };

/** A JSON body of nested objects `depth` levels deep: {"a": {"a": … {"a": 1}}}. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('Bad input never answers 500', () => {
  let t: TestApp;
  let routes: Route[];
  /** routes whose success is an endless server-sent-events stream (`GET /v1/changes/stream`) */
  let streams: Set<string>;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const send = (route: Route, url: string, body?: string) => {
    const req = t.http()[route.method as 'get'](url).set(auth());
    return (body === undefined ? req : req.set('Content-Type', 'application/json').send(body)) as unknown as Promise<Res>;
  };
  const urlOf = (route: Route, bad: Record<string, string> = {}) => route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    bad[name] ?? enc(name === 'id' ? GOOD_ID[route.path] ?? GOOD_PARAM.id : GOOD_PARAM[name]));
  const paramsOf = (route: Route) => [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const label = (route: Route) => `${route.method.toUpperCase()} ${route.path}`;
  /** [route, status, code, first issue's path]: compared as a whole, so a failure names the route. */
  const outcome = (route: Route, res: Res) => [label(route), res.status, res.body.error?.code, res.body.error?.details?.issues?.[0]?.path];
  const counts = async () => {
    const c = new Client({ connectionString: t.databaseUrl });
    await c.connect();
    try {
      return (await c.query(`SELECT (SELECT count(*) FROM tenant_pooled.assets) AS assets, (SELECT count(*) FROM tenant_pooled.change_events) AS events,
        (SELECT count(*) FROM tributary.connectors) AS connectors, (SELECT count(*) FROM tributary.api_keys) AS keys,
        (SELECT count(*) FROM tenant_pooled.rules WHERE NOT builtin) AS rules, (SELECT count(*) FROM tributary.tenants) AS tenants`)).rows[0];
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp });
    const doc = (await t.http().get('/docs/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => ({ method, path })));
    streams = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops as Record<string, { responses?: Record<string, { content?: object }> }>)
      .filter(([, op]) => Object.values(op.responses ?? {}).some((r) => 'text/event-stream' in (r.content ?? {}))).map(([method]) => `${method} ${path}`)));
    expect(routes.length).toBeGreaterThan(20);
    await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'some/asset', typeName: 'Table' }] }).expect(200);
  });
  afterAll(async () => { await t.close(); });

  describe('on every route of the OpenAPI document', () => {
    it('a NUL character in any path parameter is 400 invalid_path naming the parameter', async () => {
      for (const route of routes) {
        for (const param of paramsOf(route)) {
          const res = await send(route, urlOf(route, { [param]: 'a%00b' }), route.method === 'get' ? undefined : '{}');
          expect(outcome(route, res)).toEqual([label(route), 400, 'invalid_path', param]);
        }
      }
    });

    it('a path parameter that is not UTF-8 (a lone surrogate, a broken escape) is 400 invalid_path', async () => {
      for (const route of routes.filter((r) => paramsOf(r).length > 0)) {
        for (const bad of ['a%ED%A0%80b', 'a%ZZb']) {
          const res = await send(route, urlOf(route, { [paramsOf(route)[0]]: bad }));
          expect(outcome(route, res).slice(0, 3)).toEqual([label(route), 400, 'invalid_path']);
        }
      }
    });

    it('a NUL character in any query parameter is 400 invalid_query naming the parameter', async () => {
      for (const route of routes) {
        const res = await send(route, `${urlOf(route)}?q=a%00b`);
        expect(outcome(route, res)).toEqual([label(route), 400, 'invalid_query', 'q']);
      }
    });

    it('a NUL character or a lone surrogate anywhere in a JSON body, in a key or a value, is 422 naming its path', async () => {
      const bodies: [string, string][] = [
        ['{"name": "a\\u0000b"}', 'name'],
        ['{"outer": {"list": [1, "\\ud800"]}}', 'outer.list[1]'],
        ['{"outer": {"k\\u0000": true}}', 'outer'],
        ['{"outer": {"k\\udfff": true}}', 'outer'],
      ];
      for (const route of routes.filter((r) => ['put', 'post', 'patch', 'delete'].includes(r.method) && !r.path.startsWith('/v1/hooks/'))) {
        for (const [body, path] of bodies) {
          const res = await send(route, urlOf(route), body);
          expect(outcome(route, res)).toEqual([label(route), 422, 'validation_failed', path]);
          expect(res.body.error!.message).toMatch(/NUL character|lone surrogate/);
        }
      }
    });

    it('a JSON body nested deeper than 32 levels is 422 naming the path where it goes too deep', async () => {
      for (const route of routes.filter((r) => ['put', 'post', 'patch', 'delete'].includes(r.method) && !r.path.startsWith('/v1/hooks/'))) {
        const res = await send(route, urlOf(route), nested(40));
        expect(outcome(route, res)).toEqual([label(route), 422, 'validation_failed', Array(32).fill('a').join('.')]);
        expect(res.body.error!.message).toMatch(/deeper than 32 levels/);
        const ok = await send(route, urlOf(route), nested(31));
        expect(ok.body.error?.message ?? '').not.toMatch(/deeper than/);
        expect(ok.status).toBeLessThan(500);
      }
    });

    it('a malformed id is 400 invalid_path naming the parameter; a well-formed unknown one is 404', async () => {
      // SCIM's routes take a SCIM token, not this key (401 in SCIM's format), and SCIM ids are opaque: one
      // that is not ours is 404 in SCIM's error format (test/e2e/okta-scim.e2e.spec.ts)
      const idRoutes = routes.filter((r) => /\{(id|connectorId)\}/.test(r.path) && !r.path.startsWith('/scim/'));
      expect(idRoutes.length).toBeGreaterThanOrEqual(9);
      for (const route of idRoutes) {
        const param = paramsOf(route).find((p) => p === 'id' || p === 'connectorId')!;
        const body = { get: undefined, delete: undefined, patch: '{"enabled": false}' }[route.method] ?? '{}';
        for (const bad of ['not%20an%20id', '-'.repeat(36), 'x'.repeat(65), 'A'.repeat(8)]) {
          // eight capital letters are a well-formed API key id, and nothing else
          if (bad === 'A'.repeat(8) && route.path === '/v1/api-keys/{id}') continue;
          const res = await send(route, urlOf(route, { [param]: bad }), body);
          expect([bad, ...outcome(route, res)]).toEqual([bad, label(route), 400, 'invalid_path', param]);
        }
        const unknown = await send(route, urlOf(route), body);
        expect(unknown.status).toBe(404);
        expect(unknown.body.error!.code).toMatch(/_not_found$/);
      }
    });

    it('no route answers 5xx to any of these', async () => {
      for (const route of routes) {
        // a stream asked for rightly never ends: its answers are checked in change-stream.e2e.spec.ts
        const plain = streams.has(`${route.method} ${route.path}`) ? [] : [urlOf(route)];
        for (const url of [...plain, `${urlOf(route)}?cursor=%00&limit=-1&after=x`]) {
          const res = await send(route, url, route.method === 'get' ? undefined : '{"a": [{"b": "\\ud800\\u0000"}]}');
          expect([label(route), res.status < 500]).toEqual([label(route), true]);
        }
      }
    });
  });

  describe('names and values at their real places', () => {
    const cases: { what: string; method: 'put' | 'post'; url: string; body: string; path: string }[] = [
      { what: 'a qualified name', method: 'put', url: '/v1/assets', body: '{"assets": [{"qualifiedName": "a\\u0000b", "typeName": "Table"}]}', path: 'assets[0].qualifiedName' },
      { what: 'a qualified name with a lone surrogate', method: 'put', url: '/v1/assets', body: '{"assets": [{"qualifiedName": "a\\ud800b", "typeName": "Table"}]}', path: 'assets[0].qualifiedName' },
      { what: 'a type name', method: 'put', url: '/v1/assets', body: '{"assets": [{"qualifiedName": "ok", "typeName": "T\\u0000"}]}', path: 'assets[0].typeName' },
      { what: 'an asset name', method: 'put', url: '/v1/assets', body: '{"assets": [{"qualifiedName": "ok", "typeName": "T", "name": "n\\u0000"}]}', path: 'assets[0].name' },
      { what: 'an attribute key', method: 'put', url: '/v1/assets', body: '{"assets": [{"qualifiedName": "ok", "typeName": "T", "attributes": {"k\\u0000": 1}}]}', path: 'assets[0].attributes' },
      { what: 'an attribute value deep down', method: 'put', url: '/v1/assets',
        body: '{"assets": [{"qualifiedName": "ok", "typeName": "T", "attributes": {"a": {"b": ["x", "y\\udc00"]}}}]}', path: 'assets[0].attributes.a.b[1]' },
      { what: 'a classification name', method: 'post', url: `/v1/assets/${enc('some/asset')}/classifications`, body: '{"name": "P\\u0000II"}', path: 'name' },
      { what: 'a lineage process name', method: 'put', url: '/v1/lineage', body: '{"edges": [{"from": "some/asset", "to": "some/asset", "process": "p\\u0000"}]}', path: 'edges[0].process' },
      { what: 'a rule name', method: 'post', url: '/v1/rules',
        body: '{"name": "r\\u0000", "trigger": ["asset.created"], "action": {"type": "propagate_classification", "names": ["PII"]}}', path: 'name' },
      { what: 'a connector name', method: 'post', url: '/v1/connectors', body: '{"type": "montecarlo", "name": "c\\u0000", "config": {"mappings": [{"template": "x/{table}"}]}}', path: 'name' },
      { what: 'an API key name', method: 'post', url: '/v1/api-keys', body: '{"name": "k\\ud800", "roles": ["viewer"]}', path: 'name' },
      { what: 'a tenant name', method: 'post', url: '/v1/tenants', body: '{"id": "nul-tenant", "name": "t\\u0000", "placement": "pooled"}', path: 'name' },
    ];

    it.each(cases)('$what: 422 naming $path, and nothing stored', async ({ method, url, body, path }) => {
      const before = await counts();
      const res = await t.http()[method](url).set(auth()).set('Content-Type', 'application/json').send(body) as unknown as Res;
      expect([res.status, res.body.error?.code, res.body.error?.details?.issues?.[0]?.path]).toEqual([422, 'validation_failed', path]);
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['/v1/assets?q=a%00b', 'q'], ['/v1/assets?tag=P%00II', 'tag'], ['/v1/assets?typeName=T%00', 'typeName'],
      ['/v1/incidents?asset=a%00', 'asset'], ['/v1/incidents?source=m%00c', 'source'],
    ])('query %s: 400 invalid_query naming %s', async (url, param) => {
      const res = await t.http().get(url).set(auth()) as unknown as Res;
      expect([res.status, res.body.error?.code, res.body.error?.details?.issues?.[0]?.path]).toEqual([400, 'invalid_query', param]);
    });

    it('a qualified name in a path: 400 invalid_path naming qualifiedName', async () => {
      for (const url of [`/v1/assets/${enc(`a${NUL}b`)}`, `/v1/lineage/${enc(`a${NUL}b`)}`, `/v1/assets/${'q'.repeat(2049)}`]) {
        const res = await t.http().get(url).set(auth()) as unknown as Res;
        expect([url.slice(0, 40), res.status, res.body.error?.code, res.body.error?.details?.issues?.[0]?.path])
          .toEqual([url.slice(0, 40), 400, 'invalid_path', 'qualifiedName']);
      }
    });
  });

  describe('forged and tampered cursors', () => {
    const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
    it.each([
      ['/v1/assets', 'not base64url', 'xyz!'],
      ['/v1/assets', 'a name with a NUL', b64(`a${NUL}b`)],
      ['/v1/assets', 'bytes that are not UTF-8', b64(Buffer.from([0xed, 0xa0, 0x80]))],
      ['/v1/assets', 'a name longer than any qualified name', b64('q'.repeat(2049))],
      ['/v1/incidents', 'not base64url of a time and an id', 'xyz'],
      ['/v1/incidents', 'an id that is not a UUID', b64('2026-01-01T00:00:00.000Z|zz')],
      ['/v1/incidents', 'an id of 36 dashes', b64(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`)],
      ['/v1/incidents', 'an impossible date', b64(`2026-99-01|${UNKNOWN_UUID}`)],
      ['/v1/incidents', 'a third part', b64(`2026-01-01T00:00:00.000Z|${UNKNOWN_UUID}|more`)],
      ['/v1/dead-letters', 'an id that is not a UUID', b64('2026-01-01T00:00:00.000Z|zz')],
      ['/v1/dead-letters', 'a time with a NUL', b64(`x${NUL}|${UNKNOWN_UUID}`)],
    ])('%s with %s: 400 invalid_cursor naming the parameter', async (path, _what, cursor) => {
      const res = await t.http().get(`${path}?cursor=${cursor}`).set(auth()) as unknown as Res;
      expect([res.status, res.body.error?.code, res.body.error?.details?.issues?.[0]?.path]).toEqual([400, 'invalid_cursor', 'cursor']);
    });

    it('a cursor the API returned still pages', async () => {
      await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'page/1', typeName: 'T' }, { qualifiedName: 'page/2', typeName: 'T' }] }).expect(200);
      const first = await t.http().get('/v1/assets?q=page/&limit=1').set(auth()).expect(200);
      const second = await t.http().get(`/v1/assets?q=page/&limit=1&cursor=${first.body.nextCursor}`).set(auth()).expect(200);
      expect(second.body.items.map((i: { qualifiedName: string }) => i.qualifiedName)).toEqual(['page/2']);
    });
  });

  describe('tenant ids', () => {
    const create = (id: string, placement = 'schema') => t.http().post('/v1/tenants').set(auth()).send({ id, name: id, placement }) as unknown as Promise<Res>;

    it.each(['pooled', 'tributary', 'public', 'pg-catalog', 'information-schema'])('%s is reserved: 422 naming id', async (id) => {
      const before = await counts();
      const res = await create(id);
      expect([res.status, res.body.error?.code, res.body.error?.details?.issues?.[0]?.path]).toEqual([422, 'validation_failed', 'id']);
      expect(res.body.error!.message).toMatch(/reserved/);
      expect(await counts()).toEqual(before);
    });

    it('an id longer than 56 characters is 422: its schema name (tenant_<id>) would pass PostgreSQL\'s 63-byte limit', async () => {
      const res = await create(`t${'x'.repeat(56)}`);
      expect([res.status, res.body.error?.code, res.body.error?.details?.issues?.[0]?.path]).toEqual([422, 'validation_failed', 'id']);
    });

    it('an id of 56 characters gets a schema of exactly its own name, and works', async () => {
      const id = `t-${'y'.repeat(54)}`;
      const res = await create(id);
      expect(res.status).toBe(201);
      const c = new Client({ connectionString: t.databaseUrl });
      await c.connect();
      const schemas = (await c.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_t\\_%'`)).rows.map((r) => r.nspname);
      await c.end();
      expect(schemas).toEqual([`tenant_t_${'y'.repeat(54)}`]);
      const key = (res.body as unknown as { adminKey: string }).adminKey;
      expect((await t.http().put('/v1/assets').set({ Authorization: `Bearer ${key}` }).send({ assets: [{ qualifiedName: 'x', typeName: 'T' }] })).status).toBe(200);
    });

    it('`default` stays the bootstrap tenant: creating it again is 409, and its key keeps working', async () => {
      const res = await create('default', 'pooled');
      expect([res.status, res.body.error?.code]).toEqual([409, 'tenant_exists']);
      expect((await t.http().get('/v1/assets').set(auth())).status).toBe(200);
    });
  });

  describe('a signed Monte Carlo delivery with text PostgreSQL cannot hold', () => {
    it('is accepted (202) and stored safely: NUL and lone surrogates become U+FFFD, nothing is parked', async () => {
      await t.http().put('/v1/assets').set(auth()).send({ assets: [{ qualifiedName: 'x/analytics/public/orders', typeName: 'Table' }] }).expect(200);
      const connector = await t.http().post('/v1/connectors').set(auth())
        .send({ type: 'montecarlo', name: 'mc', config: { mappings: [{ template: 'x/{database}/{schema}/{table}' }] } }).expect(201);
      const delivery = incidentWebhook({ incidentId: 'nul-1', owner: `ann${NUL}` }) as { payload: { event_list: { event_details: string }[] } };
      delivery.payload.event_list[0].event_details = `rows${NUL} dropped \ud800`;
      const body = JSON.stringify(delivery);
      expect(body).toContain('\\u0000');
      expect(body).toContain('\\ud800');
      const res = await t.http().post(`/v1/hooks/montecarlo/${connector.body.id}`).set('Content-Type', 'application/json')
        .set('x-mcd-signature', signMonteCarlo(body, connector.body.signingSecret)).send(body);
      expect(res.status).toBe(202);
      const incident = await waitFor('the incident', async () => {
        const items = (await t.http().get('/v1/incidents').set(auth())).body.items as { externalId: string; title: string; owner: string }[];
        return items.find((i) => i.externalId === 'nul-1');
      });
      expect(incident).toMatchObject({ title: 'rows\ufffd dropped \ufffd', owner: 'ann\ufffd' });
      expect((await t.http().get('/v1/dead-letters').set(auth())).body.items).toEqual([]);
    });

    it('with an unknown field nested 10,000 levels deep is accepted and applied (webhook bodies are the source\'s, not the API\'s)', async () => {
      const connector = await t.http().post('/v1/connectors').set(auth())
        .send({ type: 'montecarlo', name: 'mc-deep', config: { mappings: [{ template: 'x/{database}/{schema}/{table}' }] } }).expect(201);
      const body = JSON.stringify({ ...incidentWebhook({ incidentId: 'deep-1' }), extra: 'X' }).replace('"X"', nested(10_000));
      const res = await t.http().post(`/v1/hooks/montecarlo/${connector.body.id}`).set('Content-Type', 'application/json')
        .set('x-mcd-signature', signMonteCarlo(body, connector.body.signingSecret)).send(body);
      expect(res.status).toBe(202);
      await waitFor('the incident', async () => ((await t.http().get('/v1/incidents').set(auth())).body.items
        .some((i: { externalId: string }) => i.externalId === 'deep-1') ? true : undefined));
      expect((await t.http().get('/v1/dead-letters').set(auth())).body.items).toEqual([]);
    });
  });
});
