/**
 * @engines none — the platform runs embedded here; the suite needs Java and Maven only (see scripts/test-distributed.sh).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { platformApp } from '../../apps/platform/src/platform.app';
import { enc, startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const POM = join(ROOT, 'test', 'support', 'openlineage-java', 'pom.xml');
// every repository mirrored to Maven Central (the one reachable), as for the Druid build
const SETTINGS = join(ROOT, 'deploy', 'engines', 'druid', 'maven-settings.xml');
const pgName = (table: string) => `postgres/db.prod:5432/shop/public/${table}`;

/**
 * The real OpenLineage Java client (io.openlineage:openlineage-java, fetched from Maven Central by
 * Maven) posts a run through its HTTP transport, authenticated with an `ingest` API key through its
 * ApiKeyTokenProvider, to the default endpoint of a running Tributary. The one client the endpoint
 * must satisfy: what it sends is applied as lineage, columns and column lineage.
 */
describe('the OpenLineage Java client against a running Tributary', () => {
  let t: TestApp;
  let url: string;
  let ingestKey: string;
  const admin = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const emit = (key: string, job: string) =>
    run('mvn', ['-B', '-ntp', '-q', '-s', SETTINGS, '-f', POM, 'compile', 'exec:java', `-Dexec.args=${url} ${key} ${job}`], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });

  beforeAll(async () => {
    t = await startTestApp({ parts: platformApp, config: { reconcileMinutes: 0 } });
    await t.app.listen(0, '127.0.0.1');
    url = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    await t.http().post('/v1/connectors').set(admin()).send({ type: 'openlineage', name: 'spark', config: {} }).expect(201);
    ingestKey = (await t.http().post('/v1/api-keys').set(admin()).send({ name: 'spark', roles: ['ingest'] }).expect(201)).body.key;
  });
  afterAll(async () => { await t.close(); });

  it('applies the START and COMPLETE it sends: assets with columns, edges with the job as process, column lineage', async () => {
    const { stdout } = await emit(ingestKey, 'customer_totals');
    expect(stdout).toMatch(/emitted run [0-9a-f-]{36}/);
    const upstream = await waitFor('the COMPLETE to be applied', async () => {
      const res = await t.http().get(`/v1/lineage/${enc(pgName('customer_totals'))}?direction=upstream&depth=1`).set(admin());
      const nodes = res.status === 200 ? (res.body.nodes as { qualifiedName: string }[]).map((n) => n.qualifiedName).sort() : [];
      return nodes.length === 2 ? nodes : undefined;
    });
    expect(upstream).toEqual([pgName('customers'), pgName('orders')]);
    const orders = await t.http().get(`/v1/assets/${enc(pgName('orders'))}`).set(admin());
    expect(orders.body.attributes.columns).toEqual([{ name: 'id', type: 'bigint', description: null }, { name: 'amount', type: 'numeric', description: null }]);
    const columns = await t.http().get(`/v1/lineage/${enc(pgName('customer_totals'))}/columns`).set(admin());
    expect(columns.body.columns).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'total', type: 'numeric', inputFields: [expect.objectContaining({ qualifiedName: pgName('orders'), field: 'amount',
        transformations: [expect.objectContaining({ type: 'DIRECT', subtype: 'AGGREGATION' })] })] }),
      expect.objectContaining({ name: 'customer_name', inputFields: [expect.objectContaining({ qualifiedName: pgName('customers'), field: 'name' })] }),
    ]));
    const changes = (await t.http().get('/v1/changes?limit=1000').set(admin())).body.items as { type: string; data: { after?: { process?: string } } }[];
    expect(changes.filter((c) => c.type === 'lineage.edge.added').map((c) => c.data.after?.process)).toEqual(['spark/customer_totals', 'spark/customer_totals']);
  });

  it('fails the client with a key Tributary does not know, and applies nothing', async () => {
    const failure = await emit(`${ingestKey.slice(0, -4)}AAAA`, 'refused_job').then(() => null, (err: { stdout: string; stderr: string }) => err);
    // Maven reports the client's exception (the transport's, with the status) on its output
    expect(failure && `${failure.stdout}${failure.stderr}`).toMatch(/\b401\b/);
    const changes = (await t.http().get('/v1/changes?limit=1000').set(admin())).body.items as { subject: string; data: unknown }[];
    expect(JSON.stringify(changes)).not.toContain('refused_job');
  });
});
