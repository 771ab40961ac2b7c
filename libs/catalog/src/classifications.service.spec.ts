import { sql } from 'kysely';
import { asTenantId } from '@tributary/store';
import { enc, startTestApp, TestApp } from '../../../test/support/test-app';
import { ClassificationsService } from './classifications.service';
import { WriteContext } from './write-context';

/** Many assets' direct tags changed in one call (a source's applier), against the platform's own store. */
describe('ClassificationsService.changeDirectIn', () => {
  let t: TestApp;
  const tenantId = asTenantId('default');
  const ctx: WriteContext = { tenantId, actor: 'system', origin: 'ingest:test', traceparent: null };
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const asset = async (qn: string) => (await t.http().get(`/v1/assets/${enc(qn)}`).set(auth()).expect(200)).body as
    { version: number; classifications: { name: string; source: string; propagate: boolean }[] };
  const direct = async (qn: string) => (await asset(qn)).classifications.filter((c) => c.source === 'direct').map((c) => `${c.name}:${c.propagate}`).sort();
  const events = async (after: number) => ((await t.http().get(`/v1/changes?after=${after}&limit=100`).set(auth())).body.items as
    { sequence: number; type: string; subject: string; data: { before: { name: string; propagate: boolean } | null; after: { name: string; propagate: boolean } | null; version: number } }[])
    .filter((e) => e.type.startsWith('asset.classification.'))
    .map((e) => `${e.subject} ${e.type.slice('asset.classification.'.length)} ${(e.data.after ?? e.data.before)!.name}:${(e.data.after ?? e.data.before)!.propagate} v${e.data.version}`);
  const last = async () => Math.max(0, ...((await t.http().get('/v1/changes?limit=1000').set(auth())).body.items as { sequence: number }[]).map((e) => e.sequence));
  const audits = () => t.runtime.database.inTenant(tenantId, async (tx) =>
    (await sql<{ action: string; subject: string; name: string }>`SELECT action, subject, details->>'name' AS name FROM audit_log
      WHERE action LIKE 'classification.%' ORDER BY id`.execute(tx.db)).rows.map((r) => `${r.action} ${r.subject} ${r.name}`));

  beforeAll(async () => {
    t = await startTestApp();
    await t.http().put('/v1/assets').set(auth()).send({ assets: ['db/a', 'db/b', 'db/c'].map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
    await t.http().post(`/v1/assets/${enc('db/a')}/classifications`).set(auth()).send({ name: 'Gold', propagate: false }).expect(200);
    await t.http().post(`/v1/assets/${enc('db/b')}/classifications`).set(auth()).send({ name: 'PII', propagate: true }).expect(200);
  });
  afterAll(async () => { await t.close(); });

  it('applies each change as add and remove would, one version per asset, and leaves alone what is already so', async () => {
    const service = t.app.get(ClassificationsService);
    const [a, b, c] = [await asset('db/a'), await asset('db/b'), await asset('db/c')];
    const [since, audited] = [await last(), (await audits()).length];
    const result = await t.runtime.database.inTenant(tenantId, (tx) => service.changeDirectIn(ctx, tx, [
      // a: a new tag, a flag changed, a removal of a tag it does not hold
      { qualifiedName: 'db/a', add: [{ name: 'PII', propagate: true }, { name: 'Gold', propagate: true }], remove: ['Silver'] },
      // b: a tag it holds as it is, and one removed
      { qualifiedName: 'db/b', add: [{ name: 'PII', propagate: true }], remove: ['PII'] },
      // c: nothing that changes anything
      { qualifiedName: 'db/c', remove: ['PII'] },
    ]));
    expect(Object.fromEntries(result)).toEqual({
      'db/a': { version: a.version + 1, removed: [] },
      'db/b': { version: b.version + 1, removed: ['PII'] },
      'db/c': { version: c.version, removed: [] },
    });
    expect([await direct('db/a'), await direct('db/b'), await direct('db/c')]).toEqual([['Gold:true', 'PII:true'], [], []]);
    expect((await asset('db/c')).version).toBe(c.version);
    expect(await events(since)).toEqual([
      `db/a added PII:true v${a.version + 1}`, `db/a removed Gold:false v${a.version + 1}`, `db/a added Gold:true v${a.version + 1}`,
      `db/b removed PII:true v${b.version + 1}`,
    ]);
    expect((await audits()).slice(audited)).toEqual(['classification.add db/a PII', 'classification.add db/a Gold', 'classification.remove db/b PII']);
  });

  it('changes nothing when one asset is not there: 404 naming it', async () => {
    const service = t.app.get(ClassificationsService);
    const since = await last();
    await expect(t.runtime.database.inTenant(tenantId, (tx) => service.changeDirectIn(ctx, tx, [
      { qualifiedName: 'db/c', add: [{ name: 'Gold', propagate: true }] }, { qualifiedName: 'db/missing', add: [{ name: 'Gold', propagate: true }] },
    ]))).rejects.toMatchObject({ code: 'asset_not_found' });
    expect(await direct('db/c')).toEqual([]);
    expect(await events(since)).toEqual([]);
  });
});
