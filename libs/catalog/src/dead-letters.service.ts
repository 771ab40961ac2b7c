import { createHash } from 'node:crypto';
import type { DeadLetterRecord } from '@tributary/contracts';
import { conflict, invalid, notFound } from '@tributary/errors';
import { AuditRepository, Database, DeadLettersRepository, TenantId } from '@tributary/store';
import { timeIdCursor } from './page-cursor';
import { ReadContext } from './write-context';

export interface DeadLetterView {
  id: string;
  stream: string;
  reason: string;
  payload: unknown;
  createdAt: string;
  replayedAt: string | null;
}

/** Re-runs one parked event through its stream's pipeline. */
export type Replayer = (tenantId: TenantId, payload: unknown) => Promise<void>;

/** Publishes a dead letter beyond the store: the event log's dead-letters stream (a Kafka topic in distributed mode). */
export type DeadLetterPublisher = (letter: DeadLetterRecord) => Promise<void>;

/** How a consumer parks a log record it could not process: enough to append it again, unchanged. */
export interface ParkedRecord {
  key: string;
  headers: Record<string, string>;
  /** base64 of the record's value, byte for byte */
  value: string;
}

/**
 * The dead letters: what could not be parsed, validated, mapped or delivered, with the reason.
 * Each stream that parks events registers how to replay them. Every dead letter is also published
 * (the dead-letter topic), with the original key, headers and bytes when a log record was parked.
 */
export class DeadLettersService {
  private readonly replayers = new Map<string, Replayer>();

  constructor(private readonly database: Database, private readonly publish: DeadLetterPublisher, private readonly deadLetters = new DeadLettersRepository(),
    private readonly audit = new AuditRepository()) {}

  registerReplayer(stream: string, replayer: Replayer): void {
    if (this.replayers.has(stream)) throw new Error(`two replayers for stream ${stream}`);
    this.replayers.set(stream, replayer);
  }

  /**
   * Publishes inside the store's transaction: if publishing fails, nothing is parked and the caller
   * retries (its batch or job); if the commit fails after publishing, the topic holds a letter twice
   * on the retry, never none.
   */
  async park(tenantId: TenantId, stream: string, reason: string, payload: unknown, recordIdentity?: string): Promise<string> {
    return this.database.inTenant(tenantId, async (tx) => {
      const { id, parked } = await this.deadLetters.park(tx, stream, reason, payload, recordIdentity);
      // parked before (its batch was retried): published then
      if (parked) await this.publish({ id, tenant: tenantId, stream, reason, time: new Date(), ...original(payload) });
      return id;
    });
  }

  /**
   * Parks a log record a consumer could not process, as its original key, headers and bytes
   * (replayable unchanged), once per record: with its `offset`, parking it again when its batch is
   * retried returns the first letter.
   */
  async parkRecord(tenantId: TenantId, stream: string, reason: string,
    record: { key: string; headers: Record<string, string>; value: Buffer; offset?: string }): Promise<string> {
    const parked: ParkedRecord = { key: record.key, headers: record.headers, value: record.value.toString('base64') };
    return this.park(tenantId, stream, reason, parked, record.offset === undefined ? undefined : recordIdentity(record.offset, parked));
  }

  async list(ctx: ReadContext, limit: number, cursor?: string): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    const rows = await this.database.inTenant(ctx.tenantId, (tx) => this.deadLetters.list(tx, limit + 1, cursor ? toBefore(timeIdCursor.decode(cursor)) : undefined));
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ id: r.id, stream: r.stream, reason: r.reason, payload: r.payload, createdAt: r.createdAt.toISOString(),
        replayedAt: r.replayedAt?.toISOString() ?? null })),
      nextCursor: rows.length > limit ? timeIdCursor.encode(last.createdAt, last.id) : null,
    };
  }

  /** Hands the event back to its pipeline (202): if it fails again, it is parked again, as a new dead letter. */
  async replay(tenantId: TenantId, actor: string, id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw deadLetterNotFound(id);
    await this.database.inTenant(tenantId, async (tx) => {
      const letter = await this.deadLetters.get(tx, id, true);
      if (!letter) throw deadLetterNotFound(id);
      if (letter.replayedAt) throw conflict('already_replayed', `dead letter ${id} was replayed at ${letter.replayedAt.toISOString()}`);
      const replayer = this.replayers.get(letter.stream);
      if (!replayer) throw invalid('not_replayable', `events of stream ${letter.stream} cannot be replayed`);
      await replayer(tenantId, letter.payload);
      await this.deadLetters.markReplayed(tx, id);
      await this.audit.record(tx, { actor, action: 'dead_letter.replay', subject: id, details: { stream: letter.stream } });
    });
  }
}

/** A record's identity: its position, and a digest of what it holds (a position used again by a new record is another record). */
function recordIdentity(offset: string, record: ParkedRecord): string {
  return `${offset}#${createHash('sha256').update(JSON.stringify([record.key, record.headers, record.value])).digest('base64url').slice(0, 22)}`;
}

/** A parked log record travels as its original key, headers and bytes; anything else (a job's data) as JSON. */
function original(payload: unknown): Pick<DeadLetterRecord, 'key' | 'headers' | 'value' | 'payload'> {
  return isParkedRecord(payload)
    ? { key: payload.key, headers: payload.headers, value: Buffer.from(payload.value, 'base64'), payload: null }
    : { key: null, headers: {}, value: null, payload: JSON.stringify(payload) ?? null };
}

function isParkedRecord(payload: unknown): payload is ParkedRecord {
  const p = payload as Partial<ParkedRecord> | null;
  return typeof p?.key === 'string' && typeof p.value === 'string' && typeof p.headers === 'object' && p.headers !== null
    && Object.values(p.headers).every((v) => typeof v === 'string');
}

const deadLetterNotFound = (id: string) => notFound('dead_letter_not_found', `no dead letter ${JSON.stringify(id)} in this tenant`);

const toBefore = (c: { at: Date; id: string }) => ({ createdAt: c.at, id: c.id });
