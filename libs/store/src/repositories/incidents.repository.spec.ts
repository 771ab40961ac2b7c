import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { Pool } from 'pg';
import { createTestDatabase } from '../../../../test/support/test-postgres';
import { Database, POOLED_SCHEMA } from '../database';
import { migrate } from '../migrations/migrator';
import { tenantDataMigrations } from '../migrations/tenant-data.migrations';
import { SecretBox } from '../secret-box';
import { asTenantId, TenantId } from '../tenant-id';
import { IncidentRow, IncidentsRepository, isAcknowledgingStatus } from './incidents.repository';
import { TenantsRepository } from './tenants.repository';

/** The incident times the analytics read (migration 14), written as the catalog writes incidents, on a real PostgreSQL. */
describe(IncidentsRepository.name, () => {
  let home: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let tenantId: TenantId;
  const incidents = new IncidentsRepository();
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 2, 9, minute));

  beforeAll(async () => {
    home = await createTestDatabase();
    db = await Database.open({ url: home.url, appRole: 'tributary_app', poolSize: 2, secrets: new SecretBox(randomBytes(32).toString('base64')) });
    tenantId = asTenantId('times');
    await new TenantsRepository(db).insert({ id: tenantId, name: 'times', placement: 'pooled', dataSchema: POOLED_SCHEMA, databaseUrlSealed: null });
    await db.provision({ tenantId, placement: 'pooled', dataSchema: POOLED_SCHEMA });
  });
  afterAll(async () => {
    await db?.close();
    await home?.drop();
  });

  const incident = (over: Partial<IncidentRow> = {}): IncidentRow => ({
    id: randomUUID(), source: 'montecarlo', externalId: randomUUID(), connectorId: null, type: 'freshness', rawType: null,
    severity: 'SEV-3', status: 'open', rawStatus: null, title: null, url: null, owner: null, startedAt: at(0), updatedAt: at(0), sourceTime: null,
    ...over,
  });
  /** Writes the incident's next state (the service writes the whole row each time). */
  const write = (row: IncidentRow) => db.inTenant(tenantId, (tx) => incidents.upsert(tx, [{ ...row, raw: {} }]));
  const timesOf = (id: string) => db.inTenant(tenantId, async (tx) => (await sql<{ acknowledged_at: Date | null; resolved_at: Date | null }>`
    SELECT acknowledged_at, resolved_at FROM incidents WHERE tenant_id = ${tenantId} AND id = ${id}`.execute(tx.db)).rows[0]);

  describe('acknowledged_at', () => {
    it.each(['investigating', 'acknowledged', 'work_in_progress', 'Work In Progress', 'work-in-progress', ' INVESTIGATING '])(
      'counts a source status of %j as acknowledged', (raw) => {
        expect(isAcknowledgingStatus(raw)).toBe(true);
      });
    it.each([null, 'no_status', 'fixed', 'false_positive', 'in progress'])('does not count a source status of %j', (raw) => {
      expect(isAcknowledgingStatus(raw)).toBe(false);
    });

    it('is stamped the first time the status means acknowledged, and kept through later statuses', async () => {
      const row = incident({ rawStatus: 'no_status' });
      await write(row);
      expect(await timesOf(row.id)).toEqual({ acknowledged_at: null, resolved_at: null });
      await write({ ...row, rawStatus: 'Investigating', updatedAt: at(5) });
      expect((await timesOf(row.id)).acknowledged_at).toEqual(at(5));
      await write({ ...row, rawStatus: 'work_in_progress', updatedAt: at(9) });
      await write({ ...row, rawStatus: 'fixed', status: 'resolved', updatedAt: at(12) });
      expect(await timesOf(row.id)).toEqual({ acknowledged_at: at(5), resolved_at: at(12) });
    });

    it('is the creation time of an incident first seen acknowledged', async () => {
      const row = incident({ rawStatus: 'ACKNOWLEDGED', updatedAt: at(3) });
      await write(row);
      expect((await timesOf(row.id)).acknowledged_at).toEqual(at(3));
    });
  });

  describe('resolved_at', () => {
    it('is the time it turned resolved, kept while it stays resolved', async () => {
      const row = incident();
      await write(row);
      await write({ ...row, status: 'resolved', rawStatus: 'fixed', updatedAt: at(20) });
      await write({ ...row, status: 'resolved', rawStatus: 'fixed', title: 'a later edit', updatedAt: at(30) });
      expect((await timesOf(row.id)).resolved_at).toEqual(at(20));
    });

    it('is cleared when the incident opens again, and stamped anew when it is resolved again', async () => {
      const row = incident();
      await write({ ...row, status: 'resolved', updatedAt: at(10) });
      await write({ ...row, status: 'open', rawStatus: 'no_status', updatedAt: at(11) });
      expect((await timesOf(row.id)).resolved_at).toBeNull();
      await write({ ...row, status: 'resolved', updatedAt: at(40) });
      expect((await timesOf(row.id)).resolved_at).toEqual(at(40));
    });
  });

  describe('migration 14', () => {
    it('dates the incidents resolved before it at their last update, and leaves open ones and acknowledgement unset', async () => {
      const schema = `times_${randomBytes(4).toString('hex')}`;
      const pool = new Pool({ connectionString: home.url, max: 1 });
      try {
        await migrate(pool, schema, 'tributary_app', tenantDataMigrations.filter((m) => m.version < 14));
        const insert = (status: string, updatedAt: Date) => pool.query(`INSERT INTO ${schema}.incidents
          (id, tenant_id, source, external_id, type, status, raw_status, started_at, updated_at)
          VALUES ($1::uuid, 't', 'montecarlo', $1::text, 'freshness', $2, 'investigating', $3, $4) RETURNING id`, [randomUUID(), status, at(0), updatedAt]);
        const resolved = (await insert('resolved', at(7))).rows[0].id;
        const open = (await insert('open', at(8))).rows[0].id;
        expect(await migrate(pool, schema, 'tributary_app', tenantDataMigrations.filter((m) => m.version <= 14))).toEqual([14]);
        const rows = new Map((await pool.query(`SELECT id, acknowledged_at, resolved_at FROM ${schema}.incidents`)).rows.map((r) => [r.id, r]));
        expect(rows.get(resolved)).toMatchObject({ acknowledged_at: null, resolved_at: at(7) });
        expect(rows.get(open)).toMatchObject({ acknowledged_at: null, resolved_at: null });
      } finally {
        await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
        await pool.end();
      }
    });
  });
});
