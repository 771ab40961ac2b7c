import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { platformApp } from '../../apps/platform/src/platform.app';
import { incidentNode, warehouseTable } from '../support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../support/montecarlo/montecarlo-graphql.server';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
type JsonSchema = Record<string, unknown>;
interface Parameter { name: string; in: string; required?: boolean; schema?: JsonSchema }
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
  security?: unknown[];
}
type Document = { paths: Record<string, Partial<Record<Method, Operation>>>; components?: { schemas?: Record<string, JsonSchema> } };

/** The operations that take a JSON body (API.md); every other operation takes none. */
const TAKES_A_BODY = new Set([
  'put /v1/assets', 'post /v1/assets/{qualifiedName}/classifications', 'put /v1/lineage', 'delete /v1/lineage',
  'post /v1/api-keys', 'post /v1/tenants', 'post /v1/connectors', 'patch /v1/connectors/{id}', 'post /v1/hooks/{connectorType}/{connectorId}',
  'post /v1/hooks/slack/{connectorId}',
  'post /v1/rules', 'post /v1/rules/preview', 'patch /v1/rules/{id}', 'post /v1/backfills', 'post /v1/expressions/check',
  'post /v1/hooks/okta/{connectorId}', 'post /scim/v2/Users', 'put /scim/v2/Users/{id}', 'patch /scim/v2/Users/{id}',
  'post /scim/v2/Groups', 'put /scim/v2/Groups/{id}', 'patch /scim/v2/Groups/{id}',
  'post /api/v1/lineage', 'post /api/v1/lineage/batch',
]);

const ROOT = join(__dirname, '..', '..');

/** Documented metrics that only a fault or a clock produces, and the spec that checks each by name. */
const METRICS_PROVEN_ELSEWHERE: Record<string, string> = {
  tributary_reopen_confirmations_total: 'test/e2e/montecarlo-ordering.e2e.spec.ts',
  tributary_reconciliations_total: 'test/e2e/montecarlo-reconcile.e2e.spec.ts',
  tributary_retention_pruned_rows_total: 'test/e2e/retention.e2e.spec.ts',
  tributary_held_records: 'test/e2e/tenant-isolation.e2e.spec.ts',
  tributary_notification_deliveries_total: 'test/e2e/notifications.e2e.spec.ts',
  tributary_ingest_batches_split_total: 'test/e2e/atlas-source.e2e.spec.ts',
};
const RAW = 'snowflake/acme/RAW/PUBLIC/PAYMENTS';
const ORDERS = 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS';
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

/**
 * A JSON schema of the document as a zod schema, to check values with (zod reads OpenAPI 3.0 schemas
 * itself). JSON Schema patterns are Unicode regular expressions (`\\p{L}`), which zod compiles without
 * the `u` flag: those are left to zod's reading and checked here with the flag.
 */
function check(refering: JsonSchema, value: unknown): { success: boolean; issues: unknown[] } {
  const schema = resolved(refering) as JsonSchema;
  const parsed = z.fromJSONSchema(withoutUnicodePatterns(schema) as never, { defaultTarget: 'openapi-3.0' }).safeParse(value);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...unicodePatternIssues(schema, value, '')];
  return { success: issues.length === 0, issues };
}
let components: Record<string, JsonSchema> = {};
/** The schema with its references to the document's components in place. */
const resolved = (node: unknown): unknown => (Array.isArray(node) ? node.map(resolved)
  : node && typeof node === 'object'
    ? typeof (node as JsonSchema).$ref === 'string'
      ? resolved(components[((node as JsonSchema).$ref as string).replace('#/components/schemas/', '')])
      : Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolved(v)]))
    : node);
const isUnicodePattern = (key: string, v: unknown) => key === 'pattern' && typeof v === 'string' && v.includes('\\p{');
const withoutUnicodePatterns = (node: unknown): unknown => (Array.isArray(node) ? node.map(withoutUnicodePatterns)
  : node && typeof node === 'object'
    ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !isUnicodePattern(k, v)).map(([k, v]) => [k, withoutUnicodePatterns(v)]))
    : node);
function unicodePatternIssues(schema: JsonSchema, value: unknown, path: string): string[] {
  if (isUnicodePattern('pattern', schema.pattern) && typeof value === 'string') {
    return new RegExp(schema.pattern as string, 'u').test(value) ? [] : [`${path || '(value)'}: does not match ${String(schema.pattern)}`];
  }
  if (Array.isArray(value) && schema.items) return value.flatMap((v, i) => unicodePatternIssues(schema.items as JsonSchema, v, `${path}[${i}]`));
  if (value && typeof value === 'object' && schema.properties) {
    return Object.entries(value).flatMap(([k, v]) => {
      const property = (schema.properties as Record<string, JsonSchema>)[k];
      return property ? unicodePatternIssues(property, v, path ? `${path}.${k}` : k) : [];
    });
  }
  return [];
}

function expectValid(what: string, schema: JsonSchema | undefined, value: unknown): void {
  expect({ what, schema: schema ? 'present' : 'missing' }).toEqual({ what, schema: 'present' });
  expect({ what, issues: check(schema!, value).issues }).toEqual({ what, issues: [] });
}

/** What the API refuses, the document refuses too. */
function expectInvalid(what: string, schema: JsonSchema | undefined, value: unknown): void {
  expect({ what, schema: schema ? 'present' : 'missing' }).toEqual({ what, schema: 'present' });
  expect({ what, valid: check(schema!, value).success }).toEqual({ what, valid: false });
}

/** The one place this spec reads the metrics endpoint (it may move to its own port or behind a credential). */
const scrapeMetrics = async (t: TestApp) => (await t.http().get('/metrics').set({ Authorization: `Bearer ${t.adminKey}` }).expect(200)).text;

/** The metric names in the README's table under "Observability". */
function documentedMetrics(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /\n## Observability\n([\s\S]*?)\n## /.exec(readme);
  if (!section) throw new Error('README.md has no "## Observability" section');
  const rows = section[1].split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => [...row.split(' | ')[0].matchAll(/`(tributary_[a-z_]+)/g)].map((m) => m[1]));
}

describe('API description', () => {
  let t: TestApp;
  let mc: MonteCarloGraphqlServer;
  let doc: Document;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const exercised = new Set<string>();

  /**
   * One request, checked against the document on both sides: its path and query parameters and its
   * body against what the document says the operation takes, its answer against the schema the
   * document gives for the status it came back with.
   */
  async function call(method: Method, path: string, o: { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown;
    raw?: { text: string; headers: Record<string, string> }; headers?: Record<string, string>; status: number; refused?: 'body' | 'query' }) {
    const operation = doc.paths[path]?.[method];
    expect({ operation: `${method} ${path}`, documented: operation !== undefined }).toEqual({ operation: `${method} ${path}`, documented: true });
    const parameter = (where: string, name: string) => operation!.parameters?.find((p) => p.in === where && p.name === name);
    for (const [name, value] of Object.entries(o.params ?? {})) expectValid(`${method} ${path}: path parameter ${name}`, parameter('path', name)?.schema, value);
    for (const [name, value] of Object.entries(o.query ?? {})) {
      (o.refused === 'query' ? expectInvalid : expectValid)(`${method} ${path}: query parameter ${name}`, parameter('query', name)?.schema, value);
    }
    // a raw body is read as its content type says: JSON, or a form (Slack's interactivity requests)
    const mediaType = (o.raw?.headers['Content-Type'] ?? 'application/json').split(';')[0]!;
    const sent = !o.raw ? o.body
      : mediaType === 'application/x-www-form-urlencoded' ? Object.fromEntries(new URLSearchParams(o.raw.text)) : JSON.parse(o.raw.text);
    if (sent !== undefined) {
      (o.refused === 'body' ? expectInvalid : expectValid)(`${method} ${path}: request body`, operation!.requestBody?.content?.[mediaType]?.schema, sent);
    }

    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(o.params![name]));
    const query = Object.entries(o.query ?? {}).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');
    const req = t.http()[method](query ? `${url}?${query}` : url).set(path.startsWith('/v1/hooks/') ? {} : auth()).set(o.headers ?? {});
    const res = o.raw ? await req.set(o.raw.headers).send(o.raw.text) : o.body !== undefined ? await req.send(o.body as object) : await req;
    expect({ operation: `${method} ${path}`, status: res.status, body: res.body }).toMatchObject({ operation: `${method} ${path}`, status: o.status });

    const answer = operation!.responses[String(res.status)] ?? operation!.responses.default;
    if (res.status === 204) {
      expect(answer?.content).toBeUndefined();
    } else {
      expectValid(`${method} ${path}: ${res.status} answer`, answer?.content?.['application/json']?.schema, res.body);
    }
    exercised.add(`${method} ${path}`);
    return res.body;
  }

  beforeAll(async () => {
    mc = await MonteCarloGraphqlServer.start();
    t = await startTestApp({ parts: platformApp, config: { ...LOCAL_OUTBOUND_CONFIG } });
    doc = (await t.http().get('/docs/openapi.json').expect(200)).body;
    components = doc.components?.schemas ?? {};
  });
  afterAll(async () => {
    await t.close();
    await mc.stop();
  });

  it('serves the OpenAPI document at /docs/openapi.json, without credentials', async () => {
    const res = await t.http().get('/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.info).toMatchObject({ title: 'Tributary API', version: 'v1' });
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/v1/assets', '/v1/hooks/{connectorType}/{connectorId}']));
  });

  it('serves the interactive documentation at /docs, with its assets', async () => {
    const page = await t.http().get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const script = /src="\.?\/?(?:docs\/)?([\w.-]+\.js)"/.exec(page.text);
    expect(script).not.toBeNull();
    const asset = await t.http().get(`/docs/${script![1]}`);
    expect(asset.status).toBe(200);
    expect(asset.text.length).toBeGreaterThan(1000);
  });

  it('describes every operation: its path and query parameters, its request body, its answer and its errors', () => {
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations) as [Method, Operation][]) {
        const name = `${method} ${path}`;
        for (const placeholder of path.match(/\{\w+\}/g) ?? []) {
          const p = op.parameters?.find((q) => q.in === 'path' && `{${q.name}}` === placeholder);
          if (!p?.required || typeof p.schema?.type !== 'string') missing.push(`${name}: path parameter ${placeholder}`);
        }
        for (const p of op.parameters ?? []) {
          if (!p.schema?.type) missing.push(`${name}: ${p.in} parameter ${p.name} has no schema`);
        }
        // one media type (JSON, or a form for Slack's route); an object, or one of several (the hooks of several senders)
        const body = Object.values(op.requestBody?.content ?? {})[0]?.schema;
        const isObject = (schema: JsonSchema | undefined) => schema?.type === 'object' && schema.properties !== undefined;
        // an array of objects for OpenLineage's batch, whose body the OpenLineage spec makes a JSON array
        const documented = isObject(body) || (Array.isArray(body?.anyOf) && body.anyOf.length > 0 && (body.anyOf as JsonSchema[]).every(isObject))
          || (body?.type === 'array' && isObject(body.items as JsonSchema | undefined));
        if (TAKES_A_BODY.has(name) && (!op.requestBody?.required || !documented)) missing.push(`${name}: request body`);
        if (!TAKES_A_BODY.has(name) && op.requestBody) missing.push(`${name}: a request body it does not take`);
        const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
        if (success.length !== 1) missing.push(`${name}: one success answer (has ${success.map(([s]) => s).join(', ') || 'none'})`);
        for (const [status, answer] of success) {
          // JSON, or the item of a server-sent-events stream
          const schema = Object.values(answer.content ?? {})[0]?.schema;
          if (status !== '204' && (!schema || !(schema.type || schema.oneOf))) missing.push(`${name}: ${status} answer schema`);
          if (!answer.description) missing.push(`${name}: ${status} description`);
        }
        const error = resolved(op.responses.default?.content?.['application/json']?.schema) as JsonSchema | undefined;
        if (!(error?.properties as JsonSchema | undefined)?.error) missing.push(`${name}: error answer schema`);
        const errorStatuses = Object.keys(op.responses).filter((s) => /^[45]\d\d$/.test(s));
        if (op.security?.length && !['401', '403'].every((s) => errorStatuses.includes(s))) missing.push(`${name}: 401 and 403 answers`);
        if ((op.parameters?.length || op.requestBody) && !errorStatuses.includes('400')) missing.push(`${name}: 400 answer`);
        if (op.requestBody && !['413', '422'].every((s) => errorStatuses.includes(s))) missing.push(`${name}: 413 and 422 answers`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('takes the query parameters the API validates, with their limits', () => {
    const names = (path: string) => doc.paths[path]!.get!.parameters!.filter((p) => p.in === 'query').map((p) => p.name).sort();
    expect(names('/v1/assets')).toEqual(['cursor', 'health', 'limit', 'q', 'tag', 'typeName']);
    expect(names('/v1/lineage/{qualifiedName}')).toEqual(['depth', 'direction', 'health']);
    expect(names('/v1/changes')).toEqual(['after', 'limit']);
    expect(names('/v1/impact/incidents/{id}')).toEqual(['cursor', 'depth', 'limit']);
    expect(names('/v1/impact/assets/{qualifiedName}')).toEqual(['cursor', 'depth', 'direction', 'limit']);
    expect(names('/v1/analytics/lineage/hotspots')).toEqual(['limit', 'window']);
    expect(names('/v1/analytics/incidents/trends')).toEqual(['from', 'granularity', 'groupBy', 'to']);
    expect(names('/v1/analytics/incidents/summary')).toEqual(['from', 'to']);
    const param = (path: string, name: string) => doc.paths[path]!.get!.parameters!.find((p) => p.name === name)!;
    expect(param('/v1/impact/incidents/{id}', 'depth')).toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, maximum: 10, default: 5 } });
    expect(param('/v1/analytics/incidents/trends', 'from')).toMatchObject({ required: true, schema: { type: 'string', format: 'date-time' } });
    // their values are refused with 422, which the document lists beside 400
    expect(Object.keys(doc.paths['/v1/analytics/incidents/trends']!.get!.responses)).toEqual(expect.arrayContaining(['400', '422']));
    const depth = doc.paths['/v1/lineage/{qualifiedName}']!.get!.parameters!.find((p) => p.name === 'depth')!;
    expect(depth).toMatchObject({ required: false, schema: { type: 'integer', minimum: 1, maximum: 50, default: 5 } });
    const qn = doc.paths['/v1/assets/{qualifiedName}']!.get!.parameters!.find((p) => p.name === 'qualifiedName')!;
    expect(qn.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 2048 });
  });

  it('a walkthrough of every operation: each request and each answer matches the document', async () => {
    // API keys and tenants
    const key = await call('post', '/v1/api-keys', { body: { name: 'docs', roles: ['viewer'], expiresAt: '2099-01-01T00:00:00Z' }, status: 201 });
    await call('get', '/v1/api-keys', { status: 200 });
    await call('get', '/v1/session', { status: 200 });
    await call('get', '/v1/console/config', { status: 200 });
    await call('delete', '/v1/api-keys/{id}', { params: { id: key.id }, status: 204 });
    await call('post', '/v1/tenants', { body: { id: 'docs-walk', name: 'Docs walkthrough', placement: 'schema' }, status: 201 });

    // assets, lineage, classifications, changes
    await call('put', '/v1/assets', { body: { assets: [
      { qualifiedName: RAW, typeName: 'Table', name: 'PAYMENTS', attributes: { description: 'raw payments', owner: 'ana@acme.io' } },
      { qualifiedName: ORDERS, typeName: 'Table' }] }, status: 200 });
    await call('put', '/v1/assets', { body: { assets: [{ qualifiedName: ORDERS, typeName: 'Table', unknownField: 1 }] }, status: 422, refused: 'body' });
    await call('put', '/v1/lineage', { body: { edges: [{ from: RAW, to: ORDERS, process: 'dbt/orders' }] }, status: 200 });
    await call('post', '/v1/assets/{qualifiedName}/classifications', { params: { qualifiedName: RAW }, body: { name: 'PII', propagate: true }, status: 200 });
    await waitFor('PII propagated to ORDERS', async () => {
      const orders = (await t.http().get(`/v1/assets/${encodeURIComponent(ORDERS)}`).set(auth())).body;
      return orders.classifications.some((c: { source: string }) => c.source === 'propagated') ? true : undefined;
    });
    await call('get', '/v1/assets/{qualifiedName}', { params: { qualifiedName: ORDERS }, status: 200 });
    await call('get', '/v1/assets/{qualifiedName}', { params: { qualifiedName: 'snowflake/acme/NOPE' }, status: 404 });
    await call('get', '/v1/assets', { query: { typeName: 'Table', tag: 'PII', limit: 1 }, status: 200 });
    await call('get', '/v1/assets', { query: { limit: 0 }, status: 400, refused: 'query' });
    await call('get', '/v1/lineage/{qualifiedName}', { params: { qualifiedName: RAW }, query: { direction: 'downstream', depth: 5 }, status: 200 });
    await call('get', '/v1/lineage/{qualifiedName}', { params: { qualifiedName: RAW }, query: { direction: 'downstream', health: 'true' }, status: 200 });
    await call('get', '/v1/changes', { query: { after: 0, limit: 100 }, status: 200 });
    // the stream's events are checked in change-stream.e2e.spec.ts; here its refusal, which is JSON
    await call('get', '/v1/changes/stream', { headers: { 'Last-Event-ID': 'not-a-sequence' }, status: 400 });

    // OpenLineage events, to the tenant's openlineage connector
    await call('post', '/v1/connectors', { body: { type: 'openlineage', name: 'docs-ol', config: {} }, status: 201 });
    const daily = 'postgres/db:5432/shop/public/daily';
    const olEvent = { eventType: 'COMPLETE', eventTime: '2026-11-01T10:00:00Z', producer: 'https://example.com/docs',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent', run: { runId: '0192f9a4-3b1c-7d2e-8f00-0a1b2c3d4e5f' },
      job: { namespace: 'dbt', name: 'daily' }, inputs: [{ namespace: 'postgres://db:5432', name: 'shop.public.orders' }],
      outputs: [{ namespace: 'postgres://db:5432', name: 'shop.public.daily', facets: { schema: { fields: [{ name: 'day', type: 'date' }] } } }] };
    await call('post', '/api/v1/lineage', { body: olEvent, status: 200 });
    await call('post', '/api/v1/lineage/batch', { body: [olEvent, { ...olEvent, producer: 'not a uri' }], status: 200 });
    await waitFor('the OpenLineage event applied', async () =>
      ((await t.http().get(`/v1/assets/${encodeURIComponent(daily)}`).set(auth())).status === 200 ? true : undefined));
    await call('get', '/v1/lineage/{qualifiedName}/columns', { params: { qualifiedName: daily }, status: 200 });

    // rules
    await call('post', '/v1/rules/preview', { body: { rule: { name: 'owner downstream', trigger: ['asset.updated'],
      action: { type: 'propagate_attribute', attribute: 'owner', when: '"owner" in source.attributes', value: 'source.attributes.owner' } } }, status: 200 });
    const rule = await call('post', '/v1/rules', { body: { name: 'owner downstream', trigger: ['asset.created', 'asset.updated'],
      action: { type: 'propagate_attribute', attribute: 'owner', when: '"owner" in source.attributes', value: 'source.attributes.owner', maxDepth: 2 } }, status: 201 });
    await call('get', '/v1/rules', { status: 200 });
    await call('patch', '/v1/rules/{id}', { params: { id: rule.id }, body: { enabled: false }, status: 200 });
    await call('delete', '/v1/rules/{id}', { params: { id: rule.id }, status: 204 });
    await call('post', '/v1/expressions/check', { body: { expression: 'event.severity == "SEV-1"', variables: ['event'] }, status: 200 });
    await call('post', '/v1/expressions/check', { body: { expression: 'event.severity ==', variables: ['event'] }, status: 422 });

    // connectors, a webhook, its incident, a dead letter
    mc.incidents.push(incidentNode({ createdTime: '2026-11-01T00:00:00.000Z', events: { edges: [{ node: { table: warehouseTable('raw:public.payments') } }] } }));
    const connector = await call('post', '/v1/connectors', { body: { type: 'montecarlo', name: 'acme-mc',
      config: { mappings: MAPPINGS, graphql: { apiId: mc.apiId, apiToken: mc.apiToken, endpoint: mc.url } } }, status: 201 });
    await call('get', '/v1/connectors', { status: 200 });
    await call('get', '/v1/connectors/{id}', { params: { id: connector.id }, status: 200 });
    await call('patch', '/v1/connectors/{id}', { params: { id: connector.id }, body: { name: 'acme monte carlo', rotateSigningSecret: true }, status: 200 })
      .then((c) => { connector.signingSecret = c.signingSecret; });
    // a source with API credentials is tested by reading its recent incidents (the local Monte Carlo API)
    await call('post', '/v1/connectors/{id}/test', { params: { id: connector.id }, status: 200 });
    const hook = (c: { id: string; signingSecret: string }, body: Record<string, unknown>, status = 202) => {
      const text = JSON.stringify(body);
      return call('post', '/v1/hooks/{connectorType}/{connectorId}', { params: { connectorType: 'montecarlo', connectorId: c.id },
        raw: { text, headers: { 'Content-Type': 'application/json', 'x-mcd-signature': signMonteCarlo(text, c.signingSecret) } }, status });
    };
    await hook(connector, incidentWebhook({ incidentId: 'docs-1', tables: ['raw:public.payments'], severity: 'SEV-2' }));
    // a click on a Slack notice's button, on Slack's own route (answered 200)
    const slack = await call('post', '/v1/connectors', { body: { type: 'slack', name: 'acme-slack',
      config: { webhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXX', signingSecret: 'slack-app-signing-secret-0123' } }, status: 201 });
    const click = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', user: { id: 'U0ANA' },
      actions: [{ type: 'button', action_id: 'tributary_resolve', value: '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01', action_ts: '1764756001.000200' }] }) }).toString();
    const clickedAt = String(Math.floor(Date.now() / 1000));
    await call('post', '/v1/hooks/slack/{connectorId}', { params: { connectorId: slack.id }, status: 200, raw: { text: click, headers: {
      'Content-Type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': clickedAt,
      'x-slack-signature': `v0=${createHmac('sha256', slack.signingSecret).update(`v0:${clickedAt}:${click}`).digest('hex')}`,
    } } });
    // Okta: the hook's verification and a delivery, SCIM provisioning, the directory it fills
    const okta = await call('post', '/v1/connectors', { body: { type: 'okta', name: 'acme-okta', config: {} }, status: 201 });
    await call('get', '/v1/hooks/okta/{connectorId}', { params: { connectorId: okta.id }, headers: { 'X-Okta-Verification-Challenge': 'c-1' }, status: 200 });
    const oktaEvents = { eventType: 'com.okta.event_hook', data: { events: [{ uuid: 'docs-evt-1', published: '2026-11-01T00:00:00.000Z',
      eventType: 'user.lifecycle.activate', outcome: { result: 'SUCCESS' }, target: [{ id: '00udocs', type: 'User', alternateId: 'bo@acme.io', displayName: 'Bo' }] }] } };
    await call('post', '/v1/hooks/okta/{connectorId}', { params: { connectorId: okta.id }, status: 204,
      raw: { text: JSON.stringify(oktaEvents), headers: { 'Content-Type': 'application/json', Authorization: okta.signingSecret } } });
    const scim = { headers: { Authorization: `Bearer ${okta.scimToken}` } };
    const scimUser = { userName: 'ana@acme.io', name: { givenName: 'Ana', familyName: 'Lima' }, emails: [{ value: 'ana@acme.io', primary: true }], active: true };
    const ana = await call('post', '/scim/v2/Users', { ...scim, body: scimUser, status: 201 });
    await call('get', '/scim/v2/Users', { ...scim, query: { filter: 'userName eq "ana@acme.io"', startIndex: 1, count: 10 }, status: 200 });
    await call('get', '/scim/v2/Users/{id}', { ...scim, params: { id: ana.id }, status: 200 });
    await call('put', '/scim/v2/Users/{id}', { ...scim, params: { id: ana.id }, body: { ...scimUser, displayName: 'Ana L.' }, status: 200 });
    const group = await call('post', '/scim/v2/Groups', { ...scim, body: { displayName: 'data-eng', members: [{ value: ana.id }] }, status: 201 });
    await call('get', '/scim/v2/Groups', { ...scim, query: { filter: 'displayName eq "data-eng"' }, status: 200 });
    await call('get', '/scim/v2/Groups/{id}', { ...scim, params: { id: group.id }, status: 200 });
    await call('put', '/scim/v2/Groups/{id}', { ...scim, params: { id: group.id }, body: { displayName: 'data-eng', members: [] }, status: 200 });
    await call('patch', '/scim/v2/Groups/{id}', { ...scim, params: { id: group.id }, status: 200,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: [{ value: ana.id }] }] } });
    await call('get', '/v1/people', { query: { q: 'ana', limit: 10 }, status: 200 });
    await call('get', '/v1/groups/{id}/members', { params: { id: group.id }, query: { limit: 10 }, status: 200 });
    await call('patch', '/scim/v2/Users/{id}', { ...scim, params: { id: ana.id }, status: 200,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] } });
    await call('delete', '/scim/v2/Groups/{id}', { ...scim, params: { id: group.id }, status: 204 });
    await call('delete', '/scim/v2/Users/{id}', { ...scim, params: { id: ana.id }, status: 204 });
    await hook({ id: connector.id, signingSecret: 'not-the-secret-at-all' }, incidentWebhook(), 401);
    await hook(connector, { action: 'monitor', type: 'monitor_created', payload: { monitor_id: 'm-1' } });
    await waitFor('the monitor notification kept as ignored', async () =>
      ((await t.http().get('/v1/ignored-deliveries').set(auth())).body.items.length > 0 ? true : undefined));
    await call('get', '/v1/ignored-deliveries', { query: { connectorId: connector.id, limit: 10 }, status: 200 });
    const incident = await waitFor('the webhook applied', async () =>
      (await t.http().get('/v1/incidents').set(auth())).body.items.find((i: { externalId: string }) => i.externalId === 'docs-1'));
    await call('get', '/v1/incidents', { query: { status: 'open', asset: RAW, source: 'montecarlo', limit: 10 }, status: 200 });
    await call('get', '/v1/incidents/{id}', { params: { id: incident.id }, status: 200 });
    await call('get', '/v1/assets/{qualifiedName}/health', { params: { qualifiedName: RAW }, status: 200 });

    // impact and analytics: answered by the analytics engine, which the indexer keeps a moment behind the catalog
    await waitFor('the indexer to reach the incident', async () =>
      ((await t.http().get(`/v1/impact/incidents/${incident.id}`).set(auth())).body.total === 1 ? true : undefined));
    await call('get', '/v1/impact/incidents/{id}', { params: { id: incident.id }, query: { depth: 3, limit: 10 }, status: 200 });
    await call('get', '/v1/impact/incidents/{id}', { params: { id: incident.id }, query: { depth: 11 }, status: 422, refused: 'query' });
    await call('get', '/v1/impact/assets/{qualifiedName}', { params: { qualifiedName: ORDERS }, query: { direction: 'upstream', depth: 2, limit: 1 }, status: 200 });
    await call('get', '/v1/analytics/lineage/hotspots', { query: { window: '30d', limit: 5 }, status: 200 });
    await call('get', '/v1/analytics/lineage/hotspots', { query: { window: '30 days' }, status: 422, refused: 'query' });
    const range = { from: '2026-10-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
    await call('get', '/v1/analytics/incidents/trends', { query: { ...range, granularity: 'week', groupBy: 'severity' }, status: 200 });
    await call('get', '/v1/analytics/incidents/summary', { query: range, status: 200 });
    await call('get', '/v1/metrics/lag', { query: { window: '1h' }, status: 200 });
    await call('get', '/v1/metrics/lag', { query: { window: '15 minutes' }, status: 422, refused: 'query' });

    const broken = await call('post', '/v1/connectors', { body: { type: 'montecarlo', name: 'broken', config: { mappings: MAPPINGS, transform: '{"owner": event.url + 1}' } }, status: 201 });
    await hook(broken, incidentWebhook({ incidentId: 'docs-2' }));
    const letter = await waitFor('the delivery parked', async () => (await t.http().get('/v1/dead-letters').set(auth())).body.items[0]);
    await call('get', '/v1/dead-letters', { query: { limit: 10 }, status: 200 });
    // no notify rule here: the deliveries list answers empty, in its documented shape
    await call('get', '/v1/deliveries', { query: { limit: 10, status: 'parked' }, status: 200 });
    await call('post', '/v1/dead-letters/{id}/replay', { params: { id: letter.id }, status: 202 });

    // a backfill from the (local) Monte Carlo API
    const backfill = await call('post', '/v1/backfills', { body: { connectorId: connector.id, since: '2026-10-01T00:00:00Z', until: '2026-11-02T00:00:00Z' }, status: 202 });
    await waitFor('the backfill to finish', async () => ((await t.http().get(`/v1/backfills/${backfill.id}`).set(auth())).body.finishedAt ? true : undefined));
    await call('get', '/v1/backfills/{id}', { params: { id: backfill.id }, status: 200 });
    await call('get', '/v1/backfills', { query: { limit: 10 }, status: 200 });

    // removals
    await call('delete', '/v1/assets/{qualifiedName}/classifications/{name}', { params: { qualifiedName: RAW, name: 'PII' }, status: 200 });
    await call('delete', '/v1/lineage', { body: { edges: [{ from: RAW, to: ORDERS }] }, status: 200 });
    await call('delete', '/v1/assets/{qualifiedName}', { params: { qualifiedName: ORDERS }, status: 200 });
    await call('get', '/v1/assets/{qualifiedName}', { params: { qualifiedName: ORDERS }, query: { includeDeleted: 'true' }, status: 200 });
    await call('delete', '/v1/connectors/{id}', { params: { id: broken.id }, status: 204 });

    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.filter((op) => !exercised.has(op))).toEqual([]);
  });

  it('every metric the README documents is exported, with samples, after the walkthrough', async () => {
    const names = documentedMetrics();
    expect(names.length).toBeGreaterThan(5);
    const scrape = await scrapeMetrics(t);
    const samples = (name: string) => [...scrape.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => Number(m[1]));
    // A gauge may well read 0; a counter or a histogram has counted something, or it is not produced.
    const produced = (name: string) => (name.endsWith('_total') ? samples(name).some((v) => v > 0)
      : samples(`${name}_count`).length > 0 ? samples(`${name}_count`).some((v) => v > 0) : samples(name).length > 0);
    // Metrics of faults and clocks the walkthrough does not cause are asserted, by name, where those are caused.
    const provenElsewhere = (name: string) => Object.entries(METRICS_PROVEN_ELSEWHERE)
      .some(([metric, spec]) => metric === name && readFileSync(join(ROOT, spec), 'utf8').includes(name));
    expect(names.filter((name) => !produced(name) && !provenElsewhere(name))).toEqual([]);
    expect(scrape).toMatch(/^tributary_webhooks_total\{[^}]*tenant="default",type="montecarlo",status="202"[^}]*\} 3$/m);
    expect(scrape).toMatch(/^tributary_webhooks_total\{[^}]*tenant="default",type="montecarlo",status="401"[^}]*\} 1$/m);
  });
});
