import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { Client } from 'pg';
import { changeEventCodec } from '@tributary/contracts';
import { Database, POOLED_SCHEMA, TenantTx } from './database';
import { privileged } from './privileged';
import { AssetsRepository } from './repositories/assets.repository';
import { EdgeClaimsRepository } from './repositories/edge-claims.repository';
import { changeEventPayload, ChangeEventsRepository, NewChangeEvent } from './repositories/change-events.repository';
import { IncidentRow, IncidentsRepository } from './repositories/incidents.repository';
import { LineageRepository } from './repositories/lineage.repository';
import { OpenLineageRepository } from './repositories/openlineage.repository';
import { LatencySample, PipelineLatencyRepository } from './repositories/pipeline-latency.repository';
import { TenantsRepository } from './repositories/tenants.repository';
import { tenantDataMigrations } from './migrations/tenant-data.migrations';
import { SecretBox } from './secret-box';
import { PostgresServer } from './server/postgres-server';
import { asTenantId, TenantId } from './tenant-id';

/**
 * The metadata store's contract: what every PostgreSQL adapter (embedded, or any server by URL) must
 * do. Each adapter's spec calls this with a factory for a started server on an empty database.
 */
export function describeStoreContract(adapter: string, startServer: () => Promise<{ server: PostgresServer; dispose: () => Promise<void> }>) {
  describe(`metadata store on ${adapter}`, () => {
    let server: PostgresServer;
    let dispose: () => Promise<void>;
    let db: Database;
    const secrets = new SecretBox(randomBytes(32).toString('base64'));
    const open = () => Database.open({ url: server.connectionString(), appRole: 'tributary_app', poolSize: 4, secrets });
    const assets = new AssetsRepository();
    const lineage = new LineageRepository();
    const changes = new ChangeEventsRepository();

    const tenant = async (id: string, placement: 'pooled' | 'schema' = 'pooled'): Promise<TenantId> => {
      const tenantId = asTenantId(id);
      const dataSchema = placement === 'pooled' ? POOLED_SCHEMA : `tenant_${id.replace(/-/g, '_')}`;
      await new TenantsRepository(db).insert({ id: tenantId, name: id, placement, dataSchema, databaseUrlSealed: null });
      await db.provision({ tenantId, placement, dataSchema });
      return tenantId;
    };
    const createAssets = (tx: TenantTx, names: string[]) =>
      assets.insertMany(tx, names.map((qualifiedName) => ({ qualifiedName, typeName: 'Table', name: null, attributes: {}, version: 1 })));
    const event = (subject: string): NewChangeEvent =>
      ({ id: randomUUID(), type: 'asset.updated', subject, time: new Date(), origin: 'api', traceparent: null, data: {} });

    beforeAll(async () => {
      ({ server, dispose } = await startServer());
      db = await open();
    });
    afterAll(async () => {
      await db.close();
      await dispose();
    });

    describe('migrations', () => {
      it('apply once: opening the store again changes nothing and keeps the data', async () => {
        const t = await tenant('mig-tenant');
        await db.inTenant(t, (tx) => createAssets(tx, ['kept']));
        const again = await open();
        try {
          const found = await again.inTenant(t, (tx) => assets.findLive(tx, 'kept'));
          expect(found?.qualifiedName).toBe('kept');
          const versions = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenant_pooled.schema_migrations`.execute(privileged(again));
          expect(versions.rows[0].n).toBe(tenantDataMigrations.length);
        } finally {
          await again.close();
        }
      });
    });

    describe('change events', () => {
      it('number each tenant\'s events from 1 without gaps, even when written concurrently', async () => {
        const a = await tenant('seq-a');
        const b = await tenant('seq-b');
        await Promise.all(Array.from({ length: 12 }, (_, i) =>
          db.inTenant(i % 2 ? a : b, (tx) => changes.append(tx, [event(`x${i}`), event(`y${i}`)]))));
        for (const t of [a, b]) {
          const seqs = (await db.inTenant(t, (tx) => changes.listAfter(tx, 0, 100))).map((e) => e.sequence);
          expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        }
      });

      it('are read after a sequence number, oldest first, a page at a time', async () => {
        const t = await tenant('seq-page');
        await db.inTenant(t, (tx) => changes.append(tx, ['a', 'b', 'c', 'd'].map(event)));
        const page = await db.inTenant(t, (tx) => changes.listAfter(tx, 1, 2));
        expect(page.map((e) => [e.sequence, e.subject])).toEqual([[2, 'b'], [3, 'c']]);
      });

      it('can be written by the thousand in one transaction (a wide fan-out)', async () => {
        const t = await tenant('seq-wide');
        await db.inTenant(t, (tx) => changes.append(tx, Array.from({ length: 10_000 }, (_, i) => event(`wide${i}`))));
        const last = await db.inTenant(t, (tx) => changes.listAfter(tx, 9_998, 10));
        expect(last.map((e) => [e.sequence, e.subject])).toEqual([[9_999, 'wide9998'], [10_000, 'wide9999']]);
      });

      it('carry their change log body: the Avro ChangeEvent of the row, with its tenant and sequence', async () => {
        const t = await tenant('seq-body');
        const e = { ...event('orders'), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', data: { after: { name: 'PII' } } };
        await db.inTenant(t, (tx) => changes.append(tx, [event('first'), e]));
        const [, row] = await db.inTenant(t, (tx) => changes.listAfter(tx, 0, 10));
        expect(changeEventCodec.decode(row.payload!)).toEqual({ id: e.id, tenant: 'seq-body', sequence: 2, type: e.type, subject: 'orders',
          time: e.time, origin: 'api', traceparent: e.traceparent, data: '{"after":{"name":"PII"}}' });
      });

      it('written before bodies were stored come back without one, and the body built from the row is the one stored', async () => {
        const t = await tenant('seq-legacy');
        await db.inTenant(t, (tx) => changes.append(tx, [{ ...event('old'), data: { after: { name: 'PII' } } }]));
        const [stored] = await db.inTenant(t, (tx) => changes.listAfter(tx, 0, 10));
        await sql`UPDATE tenant_pooled.change_events SET payload = NULL WHERE tenant_id = ${t}`.execute(privileged(db));
        const [legacy] = await db.inTenant(t, (tx) => changes.listAfter(tx, 0, 10));
        expect(legacy.payload).toBeNull();
        expect(changeEventCodec.decode(changeEventPayload(t, legacy.sequence, legacy))).toEqual(changeEventCodec.decode(stored.payload!));
      });

      it('refuse an event that cannot be encoded, naming the field, and store nothing', async () => {
        const t = await tenant('seq-invalid');
        await expect(db.inTenant(t, (tx) => changes.append(tx, [event('ok'), { ...event('bad'), time: new Date('not a time') }])))
          .rejects.toThrow('not a valid io.tributary.changes.v1.ChangeEvent: invalid at time');
        expect(await db.inTenant(t, (tx) => changes.listAfter(tx, 0, 10))).toEqual([]);
      });

      it('are not written when the transaction rolls back', async () => {
        const t = await tenant('seq-rollback');
        await expect(db.inTenant(t, async (tx) => {
          await changes.append(tx, [event('lost')]);
          throw new Error('abort');
        })).rejects.toThrow('abort');
        expect(await db.inTenant(t, (tx) => changes.listAfter(tx, 0, 10))).toEqual([]);
      });
    });

    describe('lineage walk', () => {
      let t: TenantId;
      let id: Map<string, number>;
      const walk = (root: string, direction: 'downstream' | 'upstream', depth = 50) =>
        db.inTenant(t, async (tx) => (await lineage.walk(tx, [id.get(root)!], direction, depth))
          .map((r) => [[...id].find(([, v]) => v === r.id)![0], r.depth] as const)
          .sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1)));

      beforeAll(async () => {
        t = await tenant('walk');
        // a -> b -> d -> e, a -> c -> d (diamond), a -> e (skip edge), e -> a (cycle), f isolated
        id = await db.inTenant(t, (tx) => createAssets(tx, ['a', 'b', 'c', 'd', 'e', 'f']));
        await db.inTenant(t, (tx) => lineage.insertEdges(tx, [['a', 'b'], ['b', 'd'], ['a', 'c'], ['c', 'd'], ['d', 'e'], ['a', 'e'], ['e', 'a']]
          .map(([s, d]) => ({ srcId: id.get(s)!, dstId: id.get(d)!, process: null }))));
      });

      it('reaches every descendant once, at its shortest distance, through diamonds and cycles', async () => {
        expect(await walk('a', 'downstream')).toEqual([['b', 1], ['c', 1], ['e', 1], ['d', 2]]);
      });

      it('stops at the depth limit', async () => {
        expect(await walk('b', 'downstream', 1)).toEqual([['d', 1]]);
        expect(await walk('b', 'downstream', 2)).toEqual([['d', 1], ['e', 2]]);
      });

      it('walks upstream the same way', async () => {
        expect(await walk('d', 'upstream')).toEqual([['b', 1], ['c', 1], ['a', 2], ['e', 3]]);
      });

      it('returns nothing for an asset without edges', async () => {
        expect(await walk('f', 'downstream')).toEqual([]);
      });
    });

    describe('lineage release', () => {
      it('an edge its drawer no longer makes goes to a catalog process or a job that still makes it, else is removed', async () => {
        const t = await tenant('release');
        const id = await db.inTenant(t, (tx) => createAssets(tx, ['a', 'b', 'c', 'd', 'e']));
        const edge = (s: string, d: string) => ({ srcId: id.get(s)!, dstId: id.get(d)! });
        const processes = new EdgeClaimsRepository('atlas_process_edges');
        const jobs = new EdgeClaimsRepository('openlineage_job_edges');
        const rows = await db.inTenant(t, async (tx) => {
          await lineage.insertEdges(tx, [['a', 'b'], ['a', 'c'], ['a', 'd'], ['a', 'e']].map(([s, d]) => ({ ...edge(s, d), process: 'p1' })));
          // a -> b: two more catalog processes make it (the first by name is its heir); a -> c: a job; a -> d: nothing else
          await processes.add(tx, [{ ...edge('a', 'b'), process: 'p3' }]);
          await processes.add(tx, [{ ...edge('a', 'b'), process: 'p2' }]);
          await jobs.add(tx, [{ ...edge('a', 'c'), process: 'ns/job' }]);
          const removed = await lineage.release(tx, [edge('a', 'b'), edge('a', 'c'), edge('a', 'd')]);
          expect(removed).toEqual([edge('a', 'd')]);
          return (await sql<{ dst: string; process: string }>`
            SELECT d.qualified_name AS dst, e.process FROM lineage_edges e JOIN assets d ON d.id = e.dst_id ORDER BY 1`.execute(tx.db)).rows;
        });
        // a -> e was not released: still the drawer's
        expect(rows).toEqual([{ dst: 'b', process: 'p2' }, { dst: 'c', process: 'ns/job' }, { dst: 'e', process: 'p1' }]);
      });

      it('an asset\'s deletion takes every claim on its edges, and makes the claiming jobs compare their next run', async () => {
        const t = await tenant('release-delete');
        const id = await db.inTenant(t, (tx) => createAssets(tx, ['a', 'b', 'c']));
        const edge = (s: string, d: string) => ({ srcId: id.get(s)!, dstId: id.get(d)! });
        const processes = new EdgeClaimsRepository('atlas_process_edges');
        const jobEdges = new EdgeClaimsRepository('openlineage_job_edges');
        const jobs = new OpenLineageRepository();
        await db.inTenant(t, async (tx) => {
          await lineage.insertEdges(tx, [{ ...edge('a', 'b'), process: 'p1' }, { ...edge('a', 'c'), process: 'p1' }]);
          await processes.add(tx, [{ ...edge('a', 'b'), process: 'p1' }, { ...edge('a', 'c'), process: 'p1' }]);
          await jobEdges.add(tx, [{ ...edge('a', 'b'), process: 'ns/job' }, { ...edge('a', 'c'), process: 'ns/other' }]);
          await jobs.saveJobs(tx, ['ns/job', 'ns/other'].map((process) => ({ process, lastCompleteAt: new Date(), runId: null, edgesDigest: 'd' })));
          expect(await lineage.deleteEdgesOf(tx, id.get('b')!)).toEqual([edge('a', 'b')]);
          expect(await processes.of(tx, ['p1'])).toEqual([{ ...edge('a', 'c'), process: 'p1' }]);
          expect((await jobEdges.of(tx, ['ns/job', 'ns/other'])).map((e) => e.process)).toEqual(['ns/other']);
          expect([...(await jobs.lockJobs(tx, ['ns/job', 'ns/other']))].map(([p, j]) => [p, j.edgesDigest])).toEqual([['ns/job', ''], ['ns/other', 'd']]);
        });
      });
    });

    describe('row-level security', () => {
      let a: TenantId;
      let b: TenantId;
      let client: Client;
      /** Runs SQL the way the app does: as the app role, with a tenant set (or none). */
      const asApp = async (tenantId: string | null, query: string, params: unknown[] = []) => {
        await client.query('BEGIN');
        try {
          await client.query(`SELECT set_config('search_path', '${POOLED_SCHEMA}', true), set_config('role', 'tributary_app', true)`);
          if (tenantId) await client.query(`SELECT set_config('tributary.tenant_id', $1, true)`, [tenantId]);
          return await client.query(query, params);
        } finally {
          await client.query('ROLLBACK');
        }
      };

      beforeAll(async () => {
        a = await tenant('rls-a');
        b = await tenant('rls-b');
        await db.inTenant(a, (tx) => createAssets(tx, ['a-secret']));
        await db.inTenant(b, (tx) => createAssets(tx, ['b-secret']));
        client = new Client({ connectionString: server.connectionString() });
        await client.connect();
      });
      afterAll(() => client.end());

      it('shows a tenant only its own rows', async () => {
        const rows = await asApp(a, `SELECT qualified_name FROM assets WHERE qualified_name LIKE '%-secret'`);
        expect(rows.rows.map((r) => r.qualified_name)).toEqual(['a-secret']);
      });

      it('shows nothing when no tenant is set', async () => {
        expect((await asApp(null, 'SELECT * FROM assets')).rowCount).toBe(0);
        expect((await asApp(null, 'SELECT * FROM change_events')).rowCount).toBe(0);
      });

      it('cannot change or delete another tenant\'s rows', async () => {
        expect((await asApp(a, `UPDATE assets SET name = 'pwned' WHERE qualified_name = 'b-secret'`)).rowCount).toBe(0);
        expect((await asApp(a, `DELETE FROM change_events WHERE tenant_id = '${b}'`)).rowCount).toBe(0);
        const still = await db.inTenant(b, (tx) => assets.findLive(tx, 'b-secret'));
        expect(still?.name).toBeNull();
      });

      it('refuses to write a row for another tenant', async () => {
        await expect(asApp(a, `INSERT INTO assets (tenant_id, qualified_name, type_name) VALUES ($1, 'smuggled', 'Table')`, [b]))
          .rejects.toThrow(/row-level security/);
      });

      it('hides another tenant\'s API keys', async () => {
        await client.query(`INSERT INTO tributary.api_keys (id, tenant_id, name, roles, secret_hash, created_by)
                            VALUES ($1, $2, 'k', '{admin}', '\\x00', 'test')`, [`k${randomBytes(4).toString('hex')}`, b]);
        await client.query('BEGIN');
        try {
          await client.query(`SELECT set_config('role', 'tributary_app', true), set_config('tributary.tenant_id', $1, true)`, [a]);
          expect((await client.query(`SELECT * FROM tributary.api_keys WHERE tenant_id = $1`, [b])).rowCount).toBe(0);
        } finally {
          await client.query('ROLLBACK');
        }
      });
    });

    describe('tenant transactions', () => {
      let a: TenantId;
      let b: TenantId;
      /** Who the transaction's connection logged in as, who it acts as, and what either may bypass. */
      const identity = (tx: TenantTx) => sql<{ login: string; acting: string; superuser: boolean; bypassrls: boolean }>`
        SELECT session_user AS login, current_user AS acting,
               bool_or(r.rolsuper) AS superuser, bool_or(r.rolbypassrls) AS bypassrls
        FROM pg_roles r WHERE r.rolname IN (session_user, current_user)`.execute(tx.db).then((r) => r.rows[0]);

      beforeAll(async () => {
        a = await tenant('login-a');
        b = await tenant('login-b');
        await db.inTenant(a, (tx) => createAssets(tx, ['a-own']));
        await db.inTenant(b, (tx) => createAssets(tx, ['b-own']));
      });

      it('log in as a role that is neither a superuser nor exempt from row-level security', async () => {
        const who = await db.inTenant(a, identity);
        expect(who).toMatchObject({ superuser: false, bypassrls: false });
      });

      it('cannot read another tenant\'s rows even after RESET ROLE', async () => {
        const seen = await db.inTenant(a, async (tx) => {
          await sql`RESET ROLE`.execute(tx.db);
          const who = await identity(tx);
          const rows = await sql<{ qualified_name: string }>`SELECT qualified_name FROM assets WHERE qualified_name LIKE '%-own'`.execute(tx.db);
          return { who, names: rows.rows.map((r) => r.qualified_name) };
        });
        expect(seen.names).toEqual(['a-own']);
        expect(seen.who).toMatchObject({ superuser: false, bypassrls: false });
      });

      it('cannot take on a superuser role', async () => {
        await expect(db.inTenant(a, async (tx) => {
          const su = await sql<{ name: string }>`SELECT rolname AS name FROM pg_roles WHERE rolsuper LIMIT 1`.execute(tx.db);
          await sql`SELECT set_config('role', ${su.rows[0].name}, true)`.execute(tx.db);
        })).rejects.toThrow(/permission denied/);
      });
    });

    describe('the store\'s own tenant login', () => {
      it('follows a new encryption key: a store opened with another key repairs the login\'s password', async () => {
        const t = await tenant('login-rekeyed');
        const rekeyed = await Database.open({ url: server.connectionString(), appRole: 'tributary_app', poolSize: 2,
          secrets: new SecretBox(randomBytes(32).toString('base64')) });
        try {
          expect(await rekeyed.inTenant(t, (tx) => createAssets(tx, ['after-rekey']))).toBeInstanceOf(Map);
        } finally {
          await rekeyed.close();
          // and back, for the stores of the other tests
          await (await open()).close();
        }
      });
    });

    describe('a tenant login the operator made', () => {
      let admin: Client;
      const made: string[] = [];
      /** A login role made as the operator would; `options` e.g. BYPASSRLS. Dropped after the suite. */
      const makeLogin = async (options: string) => {
        const user = `op_login_${randomBytes(4).toString('hex')}`;
        await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD 'op-secret' ${options}`);
        made.push(user);
        return { user, password: 'op-secret' };
      };

      beforeAll(async () => {
        admin = new Client({ connectionString: server.connectionString() });
        await admin.connect();
      });
      afterAll(async () => {
        for (const user of made) await admin.query(`DROP ROLE IF EXISTS ${user}`);
        await admin.end();
      });

      it('is the login tenant transactions run on', async () => {
        const login = await makeLogin('NOSUPERUSER NOBYPASSRLS IN ROLE tributary_app');
        const own = await Database.open({ url: server.connectionString(), appRole: 'tributary_app', poolSize: 2, secrets, tenantLogin: login });
        try {
          const t = await tenant('op-login');
          const who = await own.inTenant(t, (tx) => sql<{ login: string }>`SELECT session_user AS login`.execute(tx.db));
          expect(who.rows[0].login).toBe(login.user);
        } finally {
          await own.close();
        }
      });

      it('is refused when it could bypass row-level security, saying what to create', async () => {
        const login = await makeLogin('BYPASSRLS IN ROLE tributary_app');
        await expect(Database.open({ url: server.connectionString(), appRole: 'tributary_app', poolSize: 2, secrets, tenantLogin: login }))
          .rejects.toThrow(`create it with: CREATE ROLE ${login.user} LOGIN PASSWORD '…' NOSUPERUSER NOBYPASSRLS IN ROLE tributary_app`);
      });
    });

    describe('asset health', () => {
      const incidents = new IncidentsRepository();
      const incident = (id: string, status: 'open' | 'resolved', severity: string | null): IncidentRow & { raw: unknown } => ({
        id, source: 'montecarlo', externalId: id, connectorId: null, type: 'anomaly', rawType: null, severity, status, rawStatus: null,
        title: null, url: null, owner: null, startedAt: new Date(), updatedAt: new Date(), sourceTime: null, raw: {},
      });
      const health = async (t: TenantId, names: string[]) => db.inTenant(t, async (tx) => {
        const ids = await Promise.all(names.map(async (n) => (await assets.findLive(tx, n))!.id));
        const byId = await assets.healthByIds(tx, ids);
        return names.map((_, i) => byId.get(ids[i]));
      });

      it('follows its open incidents: counted once however many tables name it, critical while an open one is SEV-1/2', async () => {
        const t = await tenant('health-tenant');
        const [x, y] = [randomUUID(), randomUUID()];
        const ids = await db.inTenant(t, async (tx) => { const made = await createAssets(tx, ['a', 'b']); return [made.get('a')!, made.get('b')!]; });
        await db.inTenant(t, async (tx) => {
          await incidents.upsert(tx, [incident(x, 'open', 'SEV-3')]);
          await incidents.addTables(tx, [{ incidentId: x, sourceRef: 'a1', qualifiedName: 'a', assetId: ids[0] },
            { incidentId: x, sourceRef: 'a2', qualifiedName: 'a', assetId: ids[0] }]);
        });
        expect(await health(t, ['a', 'b'])).toEqual([{ status: 'warning', openIncidents: 1 }, { status: 'healthy', openIncidents: 0 }]);

        await db.inTenant(t, (tx) => incidents.upsert(tx, [incident(x, 'open', 'SEV-1')]));
        expect(await health(t, ['a'])).toEqual([{ status: 'critical', openIncidents: 1 }]);

        await db.inTenant(t, async (tx) => {
          await incidents.upsert(tx, [incident(y, 'open', null)]);
          await incidents.addTables(tx, [{ incidentId: y, sourceRef: 'a', qualifiedName: 'a', assetId: ids[0] },
            { incidentId: y, sourceRef: 'b', qualifiedName: 'b', assetId: ids[1] }]);
        });
        expect(await health(t, ['a', 'b'])).toEqual([{ status: 'critical', openIncidents: 2 }, { status: 'warning', openIncidents: 1 }]);

        await db.inTenant(t, (tx) => incidents.upsert(tx, [incident(x, 'resolved', 'SEV-1')]));
        expect(await health(t, ['a', 'b'])).toEqual([{ status: 'warning', openIncidents: 1 }, { status: 'warning', openIncidents: 1 }]);
        await db.inTenant(t, (tx) => incidents.upsert(tx, [incident(y, 'resolved', null)]));
        expect(await health(t, ['a', 'b'])).toEqual([{ status: 'healthy', openIncidents: 0 }, { status: 'healthy', openIncidents: 0 }]);
        // reopened
        await db.inTenant(t, (tx) => incidents.upsert(tx, [incident(x, 'open', 'SEV-2')]));
        expect(await health(t, ['a'])).toEqual([{ status: 'critical', openIncidents: 1 }]);
      });

      it('counts an incident on a table that had no asset yet once the asset appears', async () => {
        const t = await tenant('health-later');
        const z = randomUUID();
        await db.inTenant(t, async (tx) => {
          await incidents.upsert(tx, [incident(z, 'open', 'SEV-2')]);
          await incidents.addTables(tx, [{ incidentId: z, sourceRef: 'c', qualifiedName: 'c', assetId: null }]);
        });
        await db.inTenant(t, async (tx) => {
          const made = await createAssets(tx, ['c']);
          await incidents.attachUnresolved(tx, [{ id: made.get('c')!, qualifiedName: 'c' }]);
        });
        expect(await health(t, ['c'])).toEqual([{ status: 'critical', openIncidents: 1 }]);
      });
    });

    describe('pipeline latency', () => {
      const latency = new PipelineLatencyRepository();
      const minute = (m: number, s = 0) => new Date(Date.UTC(2026, 0, 1, 12, m, s));
      const samples = (at: Date, ...ms: number[]): LatencySample[] => ms.map((m) => ({ at, ms: m }));
      const summary = (t: TenantId, since: Date) => db.inTenant(t, (tx) => latency.summary(tx, since));

      it('adds samples to their minute across calls, and reads count, percentiles from the buckets, max and last minute per stage', async () => {
        const t = await tenant('lag-sum');
        await db.inTenant(t, (tx) => latency.record(tx, 'ingest', [...samples(minute(0, 5), 5, 20, 30, 40, 60), ...samples(minute(1, 59), 70)]));
        await db.inTenant(t, (tx) => latency.record(tx, 'ingest', [...samples(minute(1, 10), 80, 90, 95), ...samples(minute(1, 30), 3000)]));
        expect(await summary(t, minute(0))).toEqual([
          // 10 samples: the 5th is in the bucket up to 100 ms; the 10th in the one up to 5 s, capped at the 3 s measured
          { stage: 'ingest', count: 10, p50Ms: 100, p95Ms: 3000, maxMs: 3000, lastAt: minute(1) },
          { stage: 'propagation', count: 0, p50Ms: null, p95Ms: null, maxMs: null, lastAt: null },
        ]);
        const rows = await sql<{ minute: Date; count: number; sum_ms: number }>`SELECT minute, count, sum_ms FROM tenant_pooled.pipeline_latency
          WHERE tenant_id = ${t} ORDER BY minute`.execute(privileged(db));
        expect(rows.rows).toEqual([{ minute: minute(0), count: 5, sum_ms: 155 }, { minute: minute(1), count: 5, sum_ms: 3335 }]);
      });

      it('counts a window in whole minutes: the minute its start falls in, and none before', async () => {
        const t = await tenant('lag-window');
        await db.inTenant(t, (tx) => latency.record(tx, 'propagation', [...samples(minute(0), 40_000), ...samples(minute(5, 50), 200)]));
        const [, propagation] = await summary(t, minute(5, 30));
        expect(propagation).toEqual({ stage: 'propagation', count: 1, p50Ms: 200, p95Ms: 200, maxMs: 200, lastAt: minute(5) });
        expect((await summary(t, minute(6)))[1].count).toBe(0);
      });

      it('loses no count when writers add to the same minute at once', async () => {
        const t = await tenant('lag-concurrent');
        await Promise.all(Array.from({ length: 8 }, (_, i) => db.inTenant(t, (tx) => latency.record(tx, 'ingest', samples(minute(2, i), 10, 20_000)))));
        expect((await summary(t, minute(0)))[0]).toMatchObject({ count: 16, p50Ms: 10, maxMs: 20_000 });
      });

      it('shows a tenant only its own latency', async () => {
        const a = await tenant('lag-a');
        const b = await tenant('lag-b');
        await db.inTenant(a, (tx) => latency.record(tx, 'ingest', samples(minute(3), 15)));
        expect((await summary(a, minute(0)))[0].count).toBe(1);
        expect((await summary(b, minute(0)))[0].count).toBe(0);
      });
    });

    describe('schema placement', () => {
      it('keeps the tenant\'s data in its own schema, served by the same code', async () => {
        const t = await tenant('own-schema', 'schema');
        await db.inTenant(t, (tx) => createAssets(tx, ['isolated']));
        const inOwn = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenant_own_schema.assets`.execute(privileged(db));
        const inPool = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenant_pooled.assets WHERE tenant_id = 'own-schema'`.execute(privileged(db));
        expect([inOwn.rows[0].n, inPool.rows[0].n]).toEqual([1, 0]);
      });
    });
  });
}
