import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Client } from 'pg';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { startSilentServer } from '../../../test/support/silent-server';
import { Database, POOLED_SCHEMA, TenantTx } from './database';
import { SecretBox } from './secret-box';
import { isStoreTimeout, SessionLimits } from './session-limits';
import { DEFAULT_TENANT } from './tenant-id';
import { TenantsRepository } from './repositories/tenants.repository';

const LIMITS: SessionLimits = { statementTimeoutMs: 500, idleInTransactionTimeoutMs: 500, connectTimeoutMs: 500 };
const secrets = new SecretBox(randomBytes(32).toString('base64'));
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (err: unknown) => err);

/** The store's connections keep to their time limits, and what they refuse is recognisable as a store timeout. */
describe('Database session limits', () => {
  describe('on a server that accepts connections and never answers', () => {
    it('gives up opening after the connect timeout, with a store timeout', async () => {
      const silent = await startSilentServer();
      try {
        const err = await failure(Database.open({ url: silent.url(), appRole: 'tributary_app', poolSize: 2, secrets, limits: LIMITS }));
        expect(isStoreTimeout(err)).toBe(true);
      } finally {
        await silent.close();
      }
    });
  });

  describe('on a live server', () => {
    let test: Awaited<ReturnType<typeof createTestDatabase>>;
    let db: Database;
    const keys = async () => {
      const c = new Client({ connectionString: test.url });
      await c.connect();
      const { rows } = await c.query(`SELECT event_key FROM ${POOLED_SCHEMA}.processed_events`);
      await c.end();
      return rows.map((r) => r.event_key);
    };
    const claim = (key: string) => (tx: TenantTx) =>
      sql`INSERT INTO processed_events (tenant_id, event_key) VALUES (${tx.tenantId}, ${key})`.execute(tx.db);

    beforeAll(async () => {
      test = await createTestDatabase();
      db = await Database.open({ url: test.url, appRole: 'tributary_app', poolSize: 1, secrets, limits: LIMITS });
      await new TenantsRepository(db).insert({ id: DEFAULT_TENANT, name: 'd', placement: 'pooled', dataSchema: POOLED_SCHEMA, databaseUrlSealed: null });
    });
    afterAll(async () => {
      await db.close();
      await test.drop();
    });

    it('cancels a statement that runs past the statement timeout and rolls its transaction back', async () => {
      const err = await failure(db.inTenant(DEFAULT_TENANT, async (tx) => {
        await claim('slow')(tx);
        await sql`SELECT pg_sleep(5)`.execute(tx.db);
      }));
      expect(isStoreTimeout(err)).toBe(true);
      expect(await keys()).toEqual([]);
    });

    it('ends a transaction left idle past the idle-in-transaction timeout, releasing what it held, and the process lives on', async () => {
      // the session ends between two statements: its next one fails (PostgreSQL's error went to the
      // connection, with no query to take it; it must not be an unhandled 'error' event)
      await expect(db.inTenant(DEFAULT_TENANT, async (tx) => {
        await claim('idle')(tx);
        await new Promise((r) => setTimeout(r, 1500));
        await sql`SELECT 1`.execute(tx.db);
      })).rejects.toThrow();
      expect(await keys()).toEqual([]);
      // the pool replaced the ended connection
      await db.inTenant(DEFAULT_TENANT, claim('after'));
      expect(await keys()).toEqual(['after']);
    });

    it('waits at most the connect timeout for a connection of a full pool', async () => {
      let release!: () => void;
      const holding = db.inTenant(DEFAULT_TENANT, () => new Promise<void>((r) => { release = r; }));
      const err = await failure(db.inTenant(DEFAULT_TENANT, claim('queued')));
      release();
      await holding.catch(() => undefined); // PostgreSQL may have ended it meanwhile (idle in transaction)
      expect(isStoreTimeout(err)).toBe(true);
    });

    it('lets migrations run longer than the statement timeout', async () => {
      const c = new Client({ connectionString: test.url });
      await c.connect();
      // a second process migrating waits on the first's lock, however long its migrations take
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tributary.migrate.${POOLED_SCHEMA}`]);
      const opening = Database.open({ url: test.url, appRole: 'tributary_app', poolSize: 1, secrets, limits: LIMITS });
      await new Promise((r) => setTimeout(r, 1500));
      await c.query('COMMIT');
      await c.end();
      await (await opening).close();
    });
  });
});
