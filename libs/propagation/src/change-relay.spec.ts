import type { LogRecord, Subscription } from '@tributary/eventlog';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { startTestApp, TestApp } from '../../../test/support/test-app';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { waitFor } from '../../../test/support/wait-for';
import { ChangeRelay, CHANGES_STREAM } from './change-relay';

describe(ChangeRelay.name, () => {
  describe('two relays on one database (two propagators)', () => {
    let t: TestApp;
    let relays: ChangeRelay[] = [];
    let reader: Subscription | undefined;

    beforeAll(async () => { t = await startTestApp(); });
    afterAll(async () => {
      await Promise.all(relays.map((r) => r.stop()));
      await reader?.stop();
      await t.close();
    });

    it('relay every change exactly once, in sequence order, while changes keep coming', async () => {
      const errors: unknown[] = [];
      relays = [1, 2].map(() => new ChangeRelay(t.runtime.database, t.runtime.eventLog, t.runtime.postgres.connectionString(), (e) => errors.push(e)));
      await Promise.all(relays.map((r) => r.start()));
      const auth = { Authorization: `Bearer ${t.adminKey}` };
      // each PUT is one transaction of change events; both relays are woken by each commit's notification
      for (let i = 0; i < 20; i++) {
        await t.http().put('/v1/assets').set(auth)
          .send({ assets: Array.from({ length: 10 }, (_, j) => ({ qualifiedName: `relay/${i}/${j}`, typeName: 'Table' })) }).expect(200);
      }
      const expected = Number((await t.http().get('/v1/changes?limit=1000').set(auth)).body.items.length);
      expect(expected).toBeGreaterThanOrEqual(200);

      const seen: string[] = [];
      reader = await t.runtime.eventLog.subscribe('relay-spec', CHANGES_STREAM, async (batch: LogRecord[]) => {
        seen.push(...batch.map((r) => r.headers.ce_id));
      }, { batchSize: 500, onError: () => undefined });
      await waitFor('every change in the log', async () => (seen.length >= expected ? true : undefined));
      // a duplicate appended late would show up after the last change: give it the relays' idle poll to appear
      await new Promise((r) => setTimeout(r, 1500));

      expect(errors).toEqual([]);
      expect(seen.length).toBe(expected);
      expect(new Set(seen).size).toBe(expected);
      const feed = (await t.http().get('/v1/changes?limit=1000').set(auth)).body.items as { id: string }[];
      expect(seen).toEqual(feed.map((e) => e.id));
    });
  });

  describe('a relay whose process is busy with propagation', () => {
    let t: TestApp;
    let relay: ChangeRelay | undefined;
    let reader: Subscription | undefined;

    beforeAll(async () => { t = await startTestApp(); });
    afterAll(async () => {
      await relay?.stop();
      await reader?.stop();
      await t.close();
    });

    it('still relays every change, in order, only more slowly', async () => {
      const auth = { Authorization: `Bearer ${t.adminKey}` };
      // more than one relay batch (1000), so the relay yields between batches while it is busy
      for (let i = 0; i < 3; i++) {
        await t.http().put('/v1/assets').set(auth)
          .send({ assets: Array.from({ length: 500 }, (_, j) => ({ qualifiedName: `busy/${i}/${j}`, typeName: 'Table' })) }).expect(200);
      }
      relay = new ChangeRelay(t.runtime.database, t.runtime.eventLog, t.runtime.postgres.connectionString(), () => undefined, () => true);
      await relay.start();
      const seen: string[] = [];
      reader = await t.runtime.eventLog.subscribe('relay-busy-spec', CHANGES_STREAM, async (batch: LogRecord[]) => {
        seen.push(...batch.map((r) => r.headers.ce_id));
      }, { batchSize: 1000, onError: () => undefined });
      const feed: string[] = [];
      for (let after = 0; ;) {
        const page = (await t.http().get(`/v1/changes?after=${after}&limit=1000`).set(auth)).body as { items: { id: string }[]; next: number };
        if (page.items.length === 0) break;
        feed.push(...page.items.map((e) => e.id));
        after = page.next;
      }
      expect(feed.length).toBeGreaterThan(1000);
      await waitFor('every change in the log', async () => (seen.length >= feed.length ? true : undefined));
      expect(seen).toEqual(feed);
    });
  });

  describe('a tenant whose database is unreachable', () => {
    let t: TestApp;
    let relay: ChangeRelay | undefined;
    let reader: Subscription | undefined;
    let proxy: TcpProxy;
    let tenantDb: { url: string; drop: () => Promise<void> };

    beforeAll(async () => {
      t = await startTestApp();
      tenantDb = await createTestDatabase();
      proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(tenantDb.url).port) });
    });
    afterAll(async () => {
      await relay?.stop();
      await reader?.stop();
      await t.close();
      await proxy.down();
      await tenantDb.drop();
    });

    it('does not hold up the others (it sorts first here), and is relayed in order once it is back', async () => {
      const viaProxy = new URL(tenantDb.url);
      viaProxy.port = String(proxy.port);
      const created = await t.http().post('/v1/tenants').set({ Authorization: `Bearer ${t.adminKey}` })
        .send({ id: 'aaa', name: 'First in order', placement: 'dedicated', databaseUrl: viaProxy.toString() });
      expect(created.status).toBe(201);
      const put = (key: string, names: string[]) => t.http().put('/v1/assets').set({ Authorization: `Bearer ${key}` })
        .send({ assets: names.map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }).expect(200);
      await put(created.body.adminKey, ['aaa/1', 'aaa/2']);
      await put(t.adminKey, ['default/1']);
      await proxy.down();

      const seen: string[] = [];
      reader = await t.runtime.eventLog.subscribe('relay-broken-spec', CHANGES_STREAM, async (batch: LogRecord[]) => {
        seen.push(...batch.map((r) => `${r.tenantId}:${r.key}`));
      }, { batchSize: 100, onError: () => undefined });
      const errors: unknown[] = [];
      relay = new ChangeRelay(t.runtime.database, t.runtime.eventLog, t.runtime.postgres.connectionString(), (e) => errors.push(e));
      await relay.start();
      await waitFor('the healthy tenant\'s change', async () => (seen.includes('default:default/1') ? true : undefined));
      expect(seen.filter((s) => s.startsWith('aaa:'))).toEqual([]);
      expect(errors.length).toBeGreaterThan(0);

      await proxy.up();
      await waitFor('the tenant that was down', async () => (seen.filter((s) => s.startsWith('aaa:')).length === 2 ? true : undefined));
      expect(seen.filter((s) => s.startsWith('aaa:'))).toEqual(['aaa:aaa/1', 'aaa:aaa/2']);
    });
  });
});
