import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ChangeEventsRepository, Database, Placement, POOLED_SCHEMA, SecretBox, TenantId, TenantsRepository, asTenantId } from '@tributary/store';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { PrunedTable, RetentionPolicy, RetentionService } from './retention.service';

const DAY = 86_400_000;
const POLICY: RetentionPolicy = {
  eventLogDays: 7, deliveryKeysDays: 7, outboxDays: 7, deadLettersDays: 30, auditDays: 365, batchSize: 1000, changeCapture: 'relay',
};

/**
 * Retention on a real PostgreSQL: rows are written as the platform writes them, then dated back
 * (as the superuser, which row-level security does not apply to), and each run is checked against
 * what must go and what must stay, in every placement.
 */
describe(RetentionService.name, () => {
  let main: Awaited<ReturnType<typeof createTestDatabase>>;
  let dedicatedDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Database;
  let sqlMain: Client;
  let sqlDedicated: Client;
  const now = new Date();
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const secrets = new SecretBox(randomBytes(32).toString('base64'));

  const homes: Record<string, { client: () => Client; schema: string }> = {};
  const tenant = async (id: string, placement: Placement, databaseUrl?: string): Promise<TenantId> => {
    const tenantId = asTenantId(id);
    const dataSchema = placement === 'pooled' ? POOLED_SCHEMA : placement === 'schema' ? `tenant_${id}` : 'tributary_data';
    await new TenantsRepository(db).insert({ id: tenantId, name: id, placement, dataSchema, databaseUrlSealed: databaseUrl ? secrets.seal(databaseUrl) : null });
    await db.provision({ tenantId, placement, dataSchema, databaseUrl });
    homes[id] = { client: () => (placement === 'dedicated' ? sqlDedicated : sqlMain), schema: dataSchema };
    return tenantId;
  };
  const on = (t: TenantId, text: string, values: unknown[] = []) =>
    homes[t].client().query(text.replaceAll('$schema', homes[t].schema), [t, ...values]);

  /** Writes one row of each pruned kind per age, as of `days` ago. */
  const seed = async (t: TenantId, days: number, tag: string) => {
    await on(t, 'INSERT INTO $schema.processed_events (tenant_id, event_key, processed_at) VALUES ($1, $2, $3)', [`key-${tag}`, ago(days)]);
    await on(t, 'INSERT INTO $schema.directory_events (tenant_id, event_id, applied_at) VALUES ($1, $2, $3)', [`okta-${tag}`, ago(days)]);
    await on(t, `INSERT INTO $schema.dead_letters (id, tenant_id, stream, reason, payload, created_at)
                 VALUES (gen_random_uuid(), $1, 'inbound', $2, '{}', $3)`, [tag, ago(days)]);
    await on(t, `INSERT INTO $schema.audit_log (tenant_id, actor, action, at) VALUES ($1, 'test', $2, $3)`, [tag, ago(days)]);
    await latencyMinute(t, days);
    await on(t, `INSERT INTO $schema.ignored_deliveries (tenant_id, id, connector_id, received_at, reason, body)
                 VALUES ($1, gen_random_uuid(), 'c', $3, $2, '{}')`, [tag, ago(days)]);
    // a finished delivery (sent; its incident gone) and one still waiting to send, both as old
    for (const status of ['sent', 'pending']) {
      await on(t, `INSERT INTO $schema.notification_deliveries (tenant_id, id, rule_id, connector_id, incident_id, digest, wanted_sequence, status, updated_at)
                   VALUES ($1, gen_random_uuid(), $2, gen_random_uuid(), gen_random_uuid(), false, 1, $3, $4)`, [`${tag}-${status}`, status, ago(days)]);
    }
  };
  /** A pipeline latency row for the minute `days` ago (one per minute: seeding the same age again adds none), its count 10 × the days. */
  const latencyMinute = (t: TenantId, days: number) => on(t, `INSERT INTO $schema.pipeline_latency (tenant_id, stage, minute, count, sum_ms, max_ms, buckets)
    VALUES ($1, 'ingest', date_trunc('minute', $2::timestamptz), $3, 0, 0, '{}') ON CONFLICT DO NOTHING`, [ago(days), Math.round(days * 10)]);
  /** Appends change events 1..n to the tenant's outbox, each `days[i]` old, the relay having moved up to `relayed`. */
  const outbox = async (t: TenantId, days: number[], relayed: number) => {
    for (const [i, d] of days.entries()) {
      await on(t, `INSERT INTO $schema.change_events (tenant_id, sequence, id, type, subject, time, origin, data)
                   VALUES ($1, $2, gen_random_uuid(), 'asset.updated', 'a', $3, 'test', '{}')`, [i + 1, ago(d)]);
      // every event carries an incident fact here: a fact leaves with its event, never before or after it
      await on(t, `INSERT INTO $schema.incident_facts (tenant_id, sequence, id, key, time, payload)
                   VALUES ($1, $2, gen_random_uuid(), 'k', $3, '\\x00')`, [i + 1, ago(d)]);
    }
    await on(t, `INSERT INTO $schema.tenant_sequences (tenant_id, last_sequence) VALUES ($1, $2)`, [days.length]);
    await sqlMain.query('INSERT INTO tributary.relay_offsets (tenant_id, sequence) VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET sequence = $2', [t, relayed]);
  };
  const left = async (t: TenantId, table: string, column: string) =>
    (await on(t, `SELECT ${column}::text AS v FROM $schema.${table} WHERE tenant_id = $1 ORDER BY 1`)).rows.map((r) => r.v);
  const service = (policy: Partial<RetentionPolicy> = {}, onPruned?: (table: PrunedTable, rows: number) => void) =>
    new RetentionService(db, { ...POLICY, ...policy }, onPruned);

  beforeEach(async () => {
    main = await createTestDatabase();
    dedicatedDb = await createTestDatabase();
    db = await Database.open({ url: main.url, appRole: 'tributary_app', poolSize: 4, secrets });
    sqlMain = new Client({ connectionString: main.url });
    sqlDedicated = new Client({ connectionString: dedicatedDb.url });
    await Promise.all([sqlMain.connect(), sqlDedicated.connect()]);
  });
  afterEach(async () => {
    await Promise.all([sqlMain.end(), sqlDedicated.end().catch(() => undefined)]);
    await db.close();
    await Promise.all([main.drop(), dedicatedDb.drop()]);
  });

  describe('tenant data, in every placement', () => {
    it('removes delivery keys, dead letters, ignored deliveries, audit entries and relayed outbox events past their retention, and keeps the rest', async () => {
      const tenants = [await tenant('acme', 'pooled'), await tenant('globex', 'pooled'), await tenant('initech', 'schema'),
        await tenant('umbrella', 'dedicated', dedicatedDb.url)];
      for (const t of tenants) {
        await seed(t, 400, 'ancient');
        await seed(t, 40, 'month-old');
        await seed(t, 8, 'week-old');
        await seed(t, 1, 'fresh');
        await outbox(t, [9, 8, 1], 3);
      }
      const counted: Partial<Record<PrunedTable, number>> = {};
      const report = await service({}, (table, rows) => { counted[table] = (counted[table] ?? 0) + rows; }).run(now);

      for (const t of tenants) {
        expect(await left(t, 'processed_events', 'event_key')).toEqual(['key-fresh']);
        expect(await left(t, 'directory_events', 'event_id')).toEqual(['okta-fresh']);
        expect(await left(t, 'dead_letters', 'reason')).toEqual(['fresh', 'week-old']);
        expect(await left(t, 'ignored_deliveries', 'reason')).toEqual(['fresh', 'week-old']);
        // a delivery waiting to send is kept however old
        expect(await left(t, 'notification_deliveries', 'rule_id'))
          .toEqual(['ancient-pending', 'fresh-pending', 'fresh-sent', 'month-old-pending', 'week-old-pending', 'week-old-sent']);
        expect(await left(t, 'audit_log', 'action')).toEqual(['fresh', 'month-old', 'week-old']);
        expect(await left(t, 'pipeline_latency', 'count')).toEqual(['10']);
        expect(await left(t, 'change_events', 'sequence')).toEqual(['3']);
        expect(await left(t, 'incident_facts', 'sequence')).toEqual(['3']);
      }
      expect(report.failures).toEqual([]);
      expect(report.pruned).toEqual({ event_log: 0, processed_events: 12, directory_events: 12, change_events: 8, dead_letters: 8, ignored_deliveries: 8, notification_deliveries: 8,
        audit_log: 4, pipeline_latency: 12 });
      expect(counted).toEqual({ processed_events: 12, directory_events: 12, change_events: 8, dead_letters: 8, ignored_deliveries: 8, notification_deliveries: 8, audit_log: 4,
        pipeline_latency: 12 });
    });

    it('keeps pipeline latency a day past the week the lag API reads, whatever the settings', async () => {
      const t = await tenant('acme', 'pooled');
      for (const days of [8.1, 7.9, 6]) await latencyMinute(t, days);
      await service({ eventLogDays: 0, deliveryKeysDays: 0, outboxDays: 0, deadLettersDays: 0, auditDays: 0 }).run(now);
      expect(await left(t, 'pipeline_latency', 'count')).toEqual(['60', '79']);
    });

    it('deletes in batches of at most batchSize rows', async () => {
      const t = await tenant('acme', 'pooled');
      for (let i = 0; i < 5; i++) await seed(t, 10, `old-${i}`);
      const batches: number[] = [];
      await service({ batchSize: 2 }, (table, rows) => { if (table === 'processed_events') batches.push(rows); }).run(now);
      expect(batches).toEqual([2, 2, 1]);
      expect(await left(t, 'processed_events', 'event_key')).toEqual([]);
    });

    it('keeps a table forever when its retention is 0', async () => {
      const t = await tenant('acme', 'pooled');
      await seed(t, 4000, 'ancient');
      await service({ deliveryKeysDays: 0, deadLettersDays: 0, auditDays: 0 }).run(now);
      expect(await left(t, 'processed_events', 'event_key')).toEqual(['key-ancient']);
      expect(await left(t, 'dead_letters', 'reason')).toEqual(['ancient']);
      expect(await left(t, 'audit_log', 'action')).toEqual(['ancient']);
    });

    it('goes on with the other tenants when one tenant\'s database is gone, and names it', async () => {
      const acme = await tenant('acme', 'pooled');
      const umbrella = await tenant('umbrella', 'dedicated', dedicatedDb.url);
      await seed(acme, 10, 'old');
      await seed(umbrella, 10, 'old');
      await sqlDedicated.end();
      await dedicatedDb.drop();
      const report = await service().run(now);
      expect(await left(acme, 'processed_events', 'event_key')).toEqual([]);
      expect(report.failures).toEqual([{ scope: `tenant ${umbrella}`, error: expect.stringContaining('does not exist') }]);
    });
  });

  describe('the outbox', () => {
    it('keeps what the relay has not copied yet, however old', async () => {
      const t = await tenant('acme', 'pooled');
      await outbox(t, [20, 20, 20, 20], 2);
      await service().run(now);
      expect(await left(t, 'change_events', 'sequence')).toEqual(['3', '4']);
    });

    it('goes by age alone when Debezium captures it (it read each row from the WAL as it was written)', async () => {
      const t = await tenant('acme', 'pooled');
      await outbox(t, [20, 20, 20, 1], 0);
      await service({ changeCapture: 'debezium' }).run(now);
      expect(await left(t, 'change_events', 'sequence')).toEqual(['4']);
    });

    it('is pruned from its oldest end only: an old event after a younger one stays, so the feed never has a hole', async () => {
      const t = await tenant('acme', 'pooled');
      await outbox(t, [20, 1, 20, 1], 4);
      await service().run(now);
      expect(await left(t, 'change_events', 'sequence')).toEqual(['2', '3', '4']);
      const changes = new ChangeEventsRepository();
      expect(await db.inTenant(t, (tx) => changes.firstRetained(tx))).toBe(2);
    });
  });

  describe('the embedded event log', () => {
    /** Appends one record per age (separate transactions, so log order is this order); returns their keys. */
    const append = async (stream: string, days: number[]) => {
      for (const [i, d] of days.entries()) {
        await sqlMain.query(`INSERT INTO tributary.event_log (stream, tenant_id, key, value, appended_at) VALUES ($1, 'acme', $2, '\\x00', $3)`,
          [stream, `${stream}-${i}`, ago(d)]);
      }
    };
    const commit = (group: string, stream: string, key: string) => sqlMain.query(`
      INSERT INTO tributary.event_log_offsets (group_id, stream, txid, seq, updated_at)
      SELECT $1, stream, txid, seq, $4 FROM tributary.event_log WHERE stream = $2 AND key = $3`, [group, stream, key, ago(9)]);
    const keys = async (stream: string) =>
      (await sqlMain.query('SELECT key FROM tributary.event_log WHERE stream = $1 ORDER BY txid, seq', [stream])).rows.map((r) => r.key);

    it('removes old records every consumer group of the stream has passed, names the group that holds the rest back', async () => {
      await append('inbound', [10, 10, 10, 10, 1]);
      await commit('ingestor', 'inbound', 'inbound-2');
      await commit('audit-reader', 'inbound', 'inbound-1');
      const report = await service().run(now);
      expect(await keys('inbound')).toEqual(['inbound-2', 'inbound-3', 'inbound-4']);
      expect(report.pruned.event_log).toBe(2);
      expect(report.heldBack).toEqual([{ stream: 'inbound', group: 'audit-reader', committedAt: ago(9) }]);
    });

    it('prunes a stream no group reads (dead letters, for outside readers) by age alone', async () => {
      await append('dead-letters', [10, 10, 1]);
      const report = await service().run(now);
      expect(await keys('dead-letters')).toEqual(['dead-letters-2']);
      expect(report.heldBack).toEqual([]);
    });
  });
});
