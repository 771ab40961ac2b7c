import { randomUUID } from 'node:crypto';
import { IncidentField, IncidentObservation, statedFieldsOf } from '@tributary/contracts';
import { notFound } from '@tributary/errors';
import {
  AssetsRepository, AuditRepository, ChangeEventsRepository, Database, IncidentFactsRepository, IncidentRow, IncidentsRepository,
  IncidentTableRow, NewChangeEvent, TenantTx,
} from '@tributary/store';
import { ChangeType, changeEvent } from './change-event.factory';
import { incidentFactsOf } from './incident-facts';
import { timeIdCursor } from './page-cursor';
import { UUID_PATTERN } from './qualified-name';
import { ReadContext, WriteContext } from './write-context';

export interface ObservationToApply {
  observation: IncidentObservation;
  /** the connector the incident is kept under: the source's that observed it (a reply keeps the incident's own) */
  connectorId: string | null;
  receivedAt: Date;
  traceparent: string | null;
}

export interface IncidentsOptions {
  /** how long the same delivery (same key) counts as a redelivery (TRIBUTARY_DEDUP_WINDOW_HOURS) */
  dedupWindowMs: number;
}

const DEFAULT_DEDUP_WINDOW_MS = 24 * 3_600_000;

export interface ApplyResult {
  applied: ObservationToApply[];
  duplicates: number;
  stale: number;
}

export interface IncidentView {
  id: string;
  source: string;
  externalId: string;
  type: string;
  rawType: string | null;
  severity: string | null;
  status: 'open' | 'resolved';
  rawStatus: string | null;
  title: string | null;
  url: string | null;
  owner: string | null;
  startedAt: string;
  updatedAt: string;
  assets: { qualifiedName: string | null; sourceRef: string; resolved: boolean }[];
}

export interface IncidentListQuery {
  status?: 'open' | 'resolved';
  source?: string;
  asset?: string;
  limit: number;
  cursor?: string;
}

/**
 * Incidents on assets. `apply` takes a batch of source observations and makes the store say what
 * the newest of them says, idempotently: a delivery key seen within the dedup window (a sender's
 * retry) changes nothing, an observation older (by the source's own time) than the stored state
 * changes nothing, and where no time orders two observations, arrival order stands. An observation
 * changes only the fields it states (a partial update); the others keep their stored values.
 */
export class IncidentsService {
  constructor(
    private readonly database: Database,
    private readonly options: IncidentsOptions = { dedupWindowMs: DEFAULT_DEDUP_WINDOW_MS },
    private readonly incidents = new IncidentsRepository(),
    private readonly assets = new AssetsRepository(),
    private readonly changes = new ChangeEventsRepository(),
    private readonly audit = new AuditRepository(),
    private readonly facts = new IncidentFactsRepository(),
  ) {}

  async apply(ctx: WriteContext, items: ObservationToApply[]): Promise<ApplyResult> {
    if (items.length === 0) return { applied: [], duplicates: 0, stale: 0 };
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      // A key twice in one batch is claimed by its first delivery; the later one is its redelivery.
      const claims = new Map<string, Date>();
      for (const { observation, receivedAt } of items) {
        const first = claims.get(observation.deliveryKey);
        if (!first || receivedAt < first) claims.set(observation.deliveryKey, receivedAt);
      }
      const fresh = await this.incidents.claimDeliveries(tx, claims, this.options.dedupWindowMs);
      const once = new Set<string>();
      const candidates = items.filter((i) => fresh.has(i.observation.deliveryKey) && !once.has(i.observation.deliveryKey)
        && once.add(i.observation.deliveryKey));
      const duplicates = items.length - candidates.length;

      const state = new Map<string, IncidentRow>();
      const before = new Map<string, IncidentRow>();
      for (const source of new Set(candidates.map((c) => c.observation.source))) {
        const locked = await this.incidents.lockBySourceIds(tx, source, candidates.filter((c) => c.observation.source === source).map((c) => c.observation.externalId));
        for (const [externalId, row] of locked) {
          state.set(`${source}/${externalId}`, row);
          before.set(`${source}/${externalId}`, row);
        }
      }
      const names = [...new Set(candidates.flatMap((c) => c.observation.tables.map((t) => t.qualifiedName).filter((n): n is string => n !== null)))];
      const live = await this.assets.findLiveByNames(tx, names);

      const applied: ObservationToApply[] = [];
      const raw = new Map<string, unknown>();
      const tables: IncidentTableRow[] = [];
      let stale = 0;
      for (const item of candidates) {
        const o = item.observation;
        const key = `${o.source}/${o.externalId}`;
        const current = state.get(key);
        const sourceTime = o.sourceTime ? new Date(o.sourceTime) : null;
        if (current?.sourceTime && sourceTime && sourceTime < current.sourceTime) {
          stale += 1;
          continue;
        }
        const at = sourceTime ?? item.receivedAt;
        state.set(key, {
          id: current?.id ?? randomUUID(), source: o.source, externalId: o.externalId, connectorId: item.connectorId,
          ...merged(current, o),
          startedAt: current?.startedAt ?? at, updatedAt: current && current.updatedAt > at ? current.updatedAt : at,
          sourceTime: sourceTime ?? current?.sourceTime ?? null,
        });
        raw.set(key, o);
        // Links are only ever added: a delivery without an event list says nothing about tables.
        for (const t of current && !statedFieldsOf(o).has('tables') ? [] : o.tables) {
          tables.push({ incidentId: state.get(key)!.id, sourceRef: t.ref, qualifiedName: t.qualifiedName,
            assetId: t.qualifiedName ? live.get(t.qualifiedName)?.id ?? null : null });
        }
        applied.push(item);
      }
      const changedKeys = [...raw.keys()];
      if (changedKeys.length === 0) return { applied, duplicates, stale };

      const touched = [...new Set([
        ...(await this.incidents.assetIdsOf(tx, changedKeys.map((k) => state.get(k)!.id))),
        ...tables.map((t) => t.assetId).filter((id): id is number => id !== null),
      ])];
      const healthBefore = await this.assets.healthByIds(tx, touched);
      await this.incidents.upsert(tx, changedKeys.map((k) => ({ ...state.get(k)!, raw: raw.get(k) })));
      const relinked = await this.incidents.addTables(tx, tables);
      const healthAfter = await this.assets.healthByIds(tx, touched);
      const assetRows = await this.assets.namesByIds(tx, touched);

      const events: NewChangeEvent[] = [];
      for (const k of changedKeys) {
        const after = state.get(k)!;
        const prior = before.get(k);
        // an incident that only gained tables changed too: its impact and its place in the analytics
        const type = transition(prior, after) ?? (relinked.has(after.id) ? 'incident.updated' : undefined);
        if (!type) continue;
        const incidentTables = tables.filter((t) => t.incidentId === after.id);
        const assetNames = [...new Set(incidentTables.map((t) => t.qualifiedName).filter((n): n is string => n !== null))];
        events.push(changeEvent(ctx, type, assetNames[0] ?? `${after.source}:${after.externalId}`, {
          incidentId: after.id, assets: assetNames, before: prior ? snapshot(prior) : null, after: snapshot(after),
        }));
      }
      // A count that changes with the status unchanged (a second incident on a warning asset) is a
      // health change too: incident propagation recomputes the downstream counts from it.
      for (const id of touched) {
        const [was, now] = [healthBefore.get(id), healthAfter.get(id)];
        if (now && (was?.status !== now.status || was?.openIncidents !== now.openIncidents)) {
          events.push(changeEvent(ctx, 'asset.health.changed', assetRows.get(id)!.qualifiedName, { before: was ?? null, after: now }));
        }
      }
      await this.audit.record(tx, { actor: ctx.actor, action: 'incidents.apply', subject: null,
        details: { applied: applied.length, duplicates, stale, origin: ctx.origin } });
      const pendingFacts = await incidentFactsOf(tx, events, state);
      const sequences = await this.changes.append(tx, events);
      // each incident change event's fact, under the event's sequence, in the same transaction
      await this.facts.append(tx, pendingFacts.flatMap((f, i) => (f ? [{ ...f, sequence: sequences[i] }] : [])));
      return { applied, duplicates, stale };
    });
  }

  /**
   * Those of these incidents (by the catalog's id) that exist in the tenant, by id. An id that is not
   * a UUID names nothing: it comes from outside (a Jira label, a Slack button), and is not sent to
   * PostgreSQL, which would refuse the whole query over it.
   */
  async byIds(ctx: ReadContext, ids: readonly string[]): Promise<Map<string, IncidentRow>> {
    const wellFormed = ids.filter((id) => UUID_PATTERN.test(id)).map((id) => id.toLowerCase());
    if (wellFormed.length === 0) return new Map();
    const rows = await this.database.inTenant(ctx.tenantId, (tx) => this.incidents.getMany(tx, wellFormed));
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** The stored status of those of these incidents of one source that exist. */
  async statusesOf(ctx: ReadContext, source: string, externalIds: string[]): Promise<Map<string, 'open' | 'resolved'>> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.incidents.statusesBySourceIds(tx, source, externalIds));
  }

  /** A page of one connector's open incidents of one source (external ids, in order, after `after`). */
  async openExternalIds(ctx: ReadContext, connectorId: string, source: string, after: string | null, limit: number): Promise<string[]> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.incidents.openExternalIds(tx, connectorId, source, after, limit));
  }

  async get(ctx: ReadContext, id: string): Promise<IncidentView> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw incidentNotFound(id);
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const row = await this.incidents.get(tx, id);
      if (!row) throw incidentNotFound(id);
      return (await this.views(tx, [row]))[0];
    });
  }

  async list(ctx: ReadContext, q: IncidentListQuery): Promise<{ items: IncidentView[]; nextCursor: string | null }> {
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      let assetId: number | undefined;
      if (q.asset !== undefined) {
        const asset = await this.assets.findLive(tx, q.asset);
        if (!asset) return { items: [], nextCursor: null };
        assetId = asset.id;
      }
      const rows = await this.incidents.list(tx, { status: q.status, source: q.source, assetId, limit: q.limit + 1,
        before: q.cursor === undefined ? undefined : toBefore(timeIdCursor.decode(q.cursor)) });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { items: await this.views(tx, page), nextCursor: rows.length > q.limit ? timeIdCursor.encode(last.updatedAt, last.id) : null };
    });
  }

  private async views(tx: TenantTx, rows: IncidentRow[]): Promise<IncidentView[]> {
    const tables = await this.incidents.tablesOf(tx, rows.map((r) => r.id));
    return rows.map((r) => ({
      id: r.id, source: r.source, externalId: r.externalId, type: r.type, rawType: r.rawType, severity: r.severity,
      status: r.status, rawStatus: r.rawStatus, title: r.title, url: r.url, owner: r.owner,
      startedAt: r.startedAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
      assets: tables.filter((t) => t.incidentId === r.id)
        .map((t) => ({ qualifiedName: t.qualifiedName, sourceRef: t.sourceRef, resolved: t.assetLive })),
    }));
  }
}

type StatedState = Pick<IncidentRow, 'type' | 'rawType' | 'severity' | 'status' | 'rawStatus' | 'title' | 'url' | 'owner'>;

/**
 * The incident's fields after an observation: what it states, and the stored value of every field
 * it leaves out (a partial update). A new incident takes every field as observed.
 */
function merged(current: IncidentRow | undefined, o: IncidentObservation): StatedState {
  const stated = statedFieldsOf(o);
  const pick = <F extends keyof StatedState>(field: F & IncidentField): StatedState[F] =>
    (current === undefined || stated.has(field) ? o[field] : current[field]) as StatedState[F];
  return {
    type: pick('type'), rawType: pick('rawType'), severity: pick('severity'), status: pick('status'), rawStatus: pick('rawStatus'),
    title: pick('title'), url: pick('url'), owner: pick('owner'),
  };
}

/** Which change event a new state is, against the one before it (none when nothing visible changed). */
function transition(before: IncidentRow | undefined, after: IncidentRow): ChangeType | undefined {
  if (!before) return after.status === 'open' ? 'incident.opened' : 'incident.resolved';
  if (before.status !== after.status) return after.status === 'resolved' ? 'incident.resolved' : 'incident.opened';
  const fields = ['type', 'severity', 'rawStatus', 'title', 'url', 'owner'] as const;
  return fields.some((f) => before[f] !== after[f]) ? 'incident.updated' : undefined;
}

const snapshot = (r: IncidentRow) => ({
  source: r.source, externalId: r.externalId, type: r.type, severity: r.severity, status: r.status, rawStatus: r.rawStatus,
  title: r.title, url: r.url, owner: r.owner,
});

const incidentNotFound = (id: string) => notFound('incident_not_found', `no incident ${JSON.stringify(id)} in this tenant`);

const toBefore = (c: { at: Date; id: string }) => ({ updatedAt: c.at, id: c.id });
