import { Client } from 'pg';
import { Metrics } from '@tributary/observability';
import { RetentionService } from '@tributary/retention';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Retention as a user of the API meets it: the change feed says which sequences are gone, and pruning runs by itself. */
describe('Retention', () => {
  let t: TestApp;
  let sql: Client;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const feed = (query: string) => t.http().get(`/v1/changes?${query}`).set(auth());
  const upsert = (names: string[]) => t.http().put('/v1/assets').set(auth()).send({ assets: names.map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) });
  /** Dates the tenant's first `n` change events `days` back, as if written then, and has the relay copied them. */
  const age = async (n: number, days: number) => {
    await sql.query(`UPDATE tenant_pooled.change_events SET time = now() - make_interval(days => $1) WHERE tenant_id = 'default' AND sequence <= $2`, [days, n]);
    await sql.query(`INSERT INTO tributary.relay_offsets (tenant_id, sequence) VALUES ('default', $1) ON CONFLICT (tenant_id) DO UPDATE SET sequence = $1`, [n]);
  };

  beforeAll(async () => {
    // a run a second keeps the wiring test short; the change-feed tests run retention themselves and read around it
    t = await startTestApp({ config: { retentionIntervalMs: 1000 } });
    sql = new Client({ connectionString: t.databaseUrl });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await t.close();
  });

  describe('GET /v1/changes after retention', () => {
    it('answers 410 changes_pruned, with where the feed now starts, for a position whose next events are gone', async () => {
      expect((await upsert(['a', 'b', 'c', 'd', 'e'])).status).toBe(200);
      await age(3, 10);
      await t.app.get(RetentionService).run();

      for (const after of [0, 2]) {
        const res = await feed(`after=${after}`);
        expect(res.status).toBe(410);
        expect(res.body.error).toEqual({ code: 'changes_pruned', message: expect.stringContaining('retention'),
          details: { after, firstRetained: 4 } });
      }
      const rest = await feed('after=3');
      expect([rest.status, rest.body.items.map((e: { sequence: number }) => e.sequence)]).toEqual([200, [4, 5]]);
      expect((await feed('after=5')).body).toEqual({ items: [], next: 5 });
    });

    it('still knows where the feed starts when retention has taken every event', async () => {
      await age(5, 10);
      await t.app.get(RetentionService).run();
      expect((await feed('after=5')).body).toEqual({ items: [], next: 5 });
      const res = await feed('after=4');
      expect([res.status, res.body.error.details]).toEqual([410, { after: 4, firstRetained: 6 }]);
      expect((await upsert(['f'])).status).toBe(200);
      expect((await feed('after=5')).body.items.map((e: { sequence: number }) => e.sequence)).toEqual([6]);
    });
  });

  describe('the periodic run', () => {
    it('prunes on its own, about every TRIBUTARY_RETENTION_INTERVAL_MS, and counts the rows in tributary_retention_pruned_rows_total', async () => {
      await sql.query(`INSERT INTO tenant_pooled.audit_log (tenant_id, actor, action, at)
                       SELECT 'default', 'test', 'ancient', now() - interval '400 days' FROM generate_series(1, 3)`);
      await waitFor('the ancient audit entries to be pruned', async () =>
        ((await sql.query(`SELECT count(*)::int AS n FROM tenant_pooled.audit_log WHERE action = 'ancient'`)).rows[0].n === 0 ? true : undefined));
      const metric = await t.app.get(Metrics).registry.getSingleMetric('tributary_retention_pruned_rows_total')?.get();
      expect(metric?.values.find((v) => v.labels.table === 'audit_log')?.value).toBeGreaterThanOrEqual(3);
    });
  });
});
