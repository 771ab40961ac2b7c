import { Client, ClientConfig, Pool } from 'pg';
import { EventLog, LogRecord, NewRecord, Stream, SubscribeOptions, Subscription } from './event-log';
import { retryPause } from './retry-pause';

const CHANNEL = 'tributary_event_log';
const IDLE_POLL_MS = 1000;
/** A consumer's connect that gets no answer is given up and tried again after this long. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The embedded event log: a PostgreSQL table in the control schema (see the migration for why reads
 * go by (txid, seq) below the snapshot's xmin). Appends NOTIFY, so idle consumers wake at once; a
 * slow poll covers a lost notification.
 *
 * One consumer per group and stream is active at a time: it holds a session advisory lock for as
 * long as it runs, and a second one waits for that lock (a standby). Scaling out consumers is the
 * Kafka adapter's job.
 */
export class PostgresEventLog implements EventLog {
  private readonly pool: Pool;
  private readonly subscriptions = new Set<Subscription>();

  /** `session`: time limits of its connections (connect, statement, idle in transaction), as node-postgres takes them. */
  constructor(private readonly url: string, private readonly session: Pick<ClientConfig, 'connectionTimeoutMillis' | 'statement_timeout' | 'idle_in_transaction_session_timeout'> = {}) {
    this.pool = new Pool({ connectionString: url, max: 4, ...session });
    // a lost connection fails the query that uses it; it must not crash the process (see Database)
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** Appends waiting for the commit in progress; they go together in the next one. */
  private waiting: { stream: Stream; records: NewRecord[]; done: (err?: unknown) => void }[] = [];
  private committing = false;

  /**
   * Group commit: while one append's transaction commits, the appends that arrive meanwhile wait and
   * then go in one statement (one commit, one fsync, one NOTIFY per stream). NOTIFY serializes
   * committing transactions on a global lock held through the WAL flush, so one commit per record
   * caps the log at one record per fsync. Each caller still resolves only once its records are durable.
   */
  append(stream: Stream, records: NewRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ stream, records, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.committing) void this.commitWaiting();
    });
  }

  private async commitWaiting(): Promise<void> {
    this.committing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      const rows = group.flatMap((g) => g.records.map((r) => ({ stream: g.stream, ...r })));
      try {
        await this.pool.query(
          `WITH appended AS (
             INSERT INTO tributary.event_log (stream, tenant_id, key, value, headers)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::jsonb[])
             RETURNING stream)
           SELECT pg_notify('${CHANNEL}', s) FROM (SELECT DISTINCT stream AS s FROM appended) x`,
          [rows.map((r) => r.stream), rows.map((r) => r.tenantId), rows.map((r) => r.key), rows.map((r) => r.value),
            rows.map((r) => JSON.stringify(r.headers))],
        );
        for (const g of group) g.done();
      } catch (err) {
        for (const g of group) g.done(err);
      }
    }
    this.committing = false;
  }

  /**
   * The consumer's loop never ends before stop(): a handler that throws gets its batch again after a
   * pause that doubles up to RETRY_MAX_PAUSE_MS; a connection that fails or drops (a restarted
   * server, a terminated backend) is reported to onError with an empty batch and made again after
   * the same kind of pause, and the consumer resumes from the group's committed offset.
   */
  async subscribe(group: string, stream: Stream, handler: (batch: LogRecord[]) => Promise<void>, options: SubscribeOptions): Promise<Subscription> {
    let running = true;
    // `notified` remembers a notification that arrives while we are busy, so the next pause
    // returns at once instead of sleeping through it.
    let notified = false;
    let wake: () => void = () => {};
    const pause = (ms: number, onNotify: boolean) => new Promise<void>((resolve) => {
      if ((onNotify && notified) || !running) return resolve();
      const timer = setTimeout(() => { wake = () => {}; resolve(); }, ms);
      wake = () => {
        if (!onNotify && running) return;
        clearTimeout(timer);
        wake = () => {};
        resolve();
      };
    });

    /** The consumer's own connection: listening for appends, and (once it returns) holding the group's lock. */
    const connect = async (): Promise<Client> => {
      const client = new Client({ connectionString: this.url, application_name: `tributary-consumer:${group}/${stream}`.slice(0, 63),
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...this.session, keepAlive: true });
      // a dropped connection fails the query in flight (or the next one); waking makes an idle consumer find out now
      client.on('error', () => wake());
      client.on('end', () => wake());
      client.on('notification', (n) => {
        if (n.payload !== stream) return;
        notified = true;
        wake();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANNEL}`);
        // Standby until this group's active consumer stops (try, so that stop() is honoured).
        while (running) {
          const { rows } = await client.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`${group}/${stream}`]);
          if (rows[0].ok) break;
          await pause(IDLE_POLL_MS, false);
        }
        return client;
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
    };

    const consume = async (client: Client) => {
      let failures = 0;
      while (running) {
        notified = false;
        const batch = await this.read(client, group, stream, options.batchSize);
        if (batch.length === 0) {
          await pause(IDLE_POLL_MS, true);
          continue;
        }
        try {
          await handler(batch);
        } catch (err) {
          options.onError(err, batch);
          await pause(retryPause(++failures), false);
          continue;
        }
        failures = 0;
        const [txid, seq] = batch[batch.length - 1].offset.split('/');
        await client.query(
          `INSERT INTO tributary.event_log_offsets (group_id, stream, txid, seq) VALUES ($1, $2, $3::xid8, $4)
           ON CONFLICT (group_id, stream) DO UPDATE SET txid = EXCLUDED.txid, seq = EXCLUDED.seq, updated_at = now()`,
          [group, stream, txid, seq]);
      }
    };

    const loop = (async () => {
      let failures = 0;
      while (running) {
        let client: Client | undefined;
        try {
          client = await connect();
          failures = 0;
          await consume(client);
        } catch (err) {
          if (!running) break;
          options.onError(err, []);
          await pause(retryPause(++failures), false);
        } finally {
          await client?.end().catch(() => undefined);
        }
      }
    })();

    const subscription: Subscription = {
      stop: async () => {
        running = false;
        wake();
        await loop;
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async read(client: Client, group: string, stream: Stream, limit: number): Promise<LogRecord[]> {
    const position = await this.offset(client, group, stream);
    // The offset is read first and compared as plain values: a join to the offsets table in the
    // same condition cannot use the (stream, txid, seq) index and scanned the whole stream.
    const { rows } = await client.query(
      `SELECT l.txid::text AS txid, l.seq, l.tenant_id, l.key, l.value, l.headers, l.appended_at
       FROM tributary.event_log l
       WHERE l.stream = $1 AND (l.txid, l.seq) > ($2::xid8, $3::bigint)
         AND l.txid < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY l.txid, l.seq
       LIMIT $4`, [stream, position.txid, position.seq, limit]);
    return rows.map((r) => ({
      stream, offset: `${r.txid}/${r.seq}`, tenantId: r.tenant_id, key: r.key, value: r.value, headers: r.headers,
      appendedAt: r.appended_at,
    }));
  }

  /** Where a group stands in a stream; before its first commit, before everything. */
  private async offset(client: Pick<Client, 'query'>, group: string, stream: Stream): Promise<{ txid: string; seq: number }> {
    const { rows } = await client.query('SELECT txid::text AS txid, seq FROM tributary.event_log_offsets WHERE group_id = $1 AND stream = $2',
      [group, stream]);
    return rows[0] ?? { txid: '0', seq: 0 };
  }

  async lag(group: string, stream: Stream): Promise<number> {
    const position = await this.offset(this.pool, group, stream);
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS n FROM tributary.event_log WHERE stream = $1 AND (txid, seq) > ($2::xid8, $3::bigint)`,
      [stream, position.txid, position.seq]);
    return rows[0].n;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.pool.end();
  }
}
