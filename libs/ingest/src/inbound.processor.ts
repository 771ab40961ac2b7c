import { INCIDENT_FIELDS, IncidentObservation, incidentObservationCodec, InboundDelivery, inboundDeliveryCodec } from '@tributary/contracts';
import { DeadLettersService, IgnoredDeliveriesService, IncidentsService, ObservationToApply, PipelineLatencyRecorder } from '@tributary/catalog';
import { ConnectorsService, IgnoredDelivery, LoadedConnector, LoadedTarget, Normalized, NormalizedReplies } from '@tributary/connectors';
import { LogRecord } from '@tributary/eventlog';
import { Metrics } from '@tributary/observability';
import { isStoreTimeout, LatencySample, TenantId, toStorableJson, toStorableText } from '@tributary/store';
import { FactApplier, FactToApply } from './fact-applier';
import { ReopenConfirmation } from './reopen-confirmation';
import { ReplyObservations } from './reply-observations';

export const INBOUND_STREAM = 'inbound';

/**
 * The ingestor's work on the inbound log: each delivery is decoded (Avro), normalized by its
 * connector, transformed by the connector's CEL transform, checked against the IncidentObservation
 * schema, and applied to the store, a tenant and connector at a time, in log order. A record that
 * fails any step goes to the dead letters with the reason; the rest of the batch goes on. A
 * delivery the connector ignores (not an incident) is kept as such and counted, never applied; a
 * webhook that would reopen a resolved incident is first checked with the source (ReopenConfirmation).
 * A target's delivery (a reply from Jira, Freshdesk or Slack) takes the same path: normalized by its
 * reply facet, made observations of the incidents it names (ReplyObservations), applied with the
 * target connector as origin. Facts of other kinds (lineage runs, people) go to the FactApplier of
 * their kind, before the incidents of the same group so that an incident can name an asset its
 * delivery creates; the connector's filter and transform apply to incident observations only. How
 * long each applied observation took from the webhook's arrival is recorded per tenant once a batch
 * is done (PipelineLatencyRecorder: the tenant's `ingest` lag).
 */
export class InboundProcessor {
  /** Checks reopens with the source before they apply; long-lived, as it remembers a source that failed. */
  private readonly reopens: ReopenConfirmation;
  private readonly replies: ReplyObservations;
  private readonly appliers: Map<string, FactApplier>;

  constructor(
    private readonly connectors: ConnectorsService,
    private readonly incidents: IncidentsService,
    private readonly deadLetters: DeadLettersService,
    private readonly ignored: IgnoredDeliveriesService,
    private readonly metrics: Metrics,
    private readonly latency: PipelineLatencyRecorder,
    appliers: readonly FactApplier[] = [],
  ) {
    this.appliers = new Map(appliers.map((a) => [a.kind, a]));
    this.reopens = new ReopenConfirmation(connectors, incidents, metrics);
    this.replies = new ReplyObservations(incidents);
  }

  async handle(batch: LogRecord[]): Promise<void> {
    const groups = new Map<string, { tenantId: TenantId; connector: LoadedConnector | LoadedTarget; items: ObservationToApply[]; records: LogRecord[];
      vias: InboundDelivery['via'][]; onlyIfOpen: boolean[]; facts: FactToApply[]; factRecords: LogRecord[] }>();
    // One lookup per connector per batch, not per record: a batch is hundreds of one connector's deliveries.
    const loaded = new Map<string, Promise<LoadedConnector | LoadedTarget | undefined>>();
    const load = (id: string) => {
      if (!loaded.has(id)) loaded.set(id, this.connectors.loadAny(id));
      return loaded.get(id)!;
    };
    for (const record of batch) {
      const prepared = await this.prepare(record, load);
      if (!prepared) continue;
      const key = `${record.tenantId}/${prepared.connector.row.id}`;
      const group = groups.get(key) ?? { tenantId: record.tenantId, connector: prepared.connector, items: [], records: [], vias: [], onlyIfOpen: [], facts: [], factRecords: [] };
      group.facts.push(...prepared.facts);
      group.factRecords.push(...prepared.facts.map(() => record));
      group.items.push(...prepared.items);
      group.records.push(...prepared.items.map(() => record));
      group.vias.push(...prepared.items.map(() => prepared.via));
      group.onlyIfOpen.push(...prepared.items.map((_, i) => i >= prepared.items.length - prepared.resolutions));
      groups.set(key, group);
    }
    // what was applied took this long, even when a later group fails and the batch is retried (the
    // retry finds those applied already and measures nothing twice)
    const latencies = new Map<TenantId, LatencySample[]>();
    try {
      for (const g of groups.values()) {
        await this.applyFacts(g.tenantId, g.connector, g.facts, g.factRecords);
        const open = await this.openOrOpening(g.tenantId, g.items, g.onlyIfOpen);
        // A person's reopen in Jira or Freshdesk is deliberate, and names no source state to confirm.
        const apply = g.connector.plugin.kind === 'target' ? g.items.map(() => true)
          : (await this.reopens.check(g.tenantId, g.connector as LoadedConnector, g.items.map((item, i) => ({ observation: item.observation, via: g.vias[i] }))))
            .map((ok, i) => ok && open[i]);
        const applied = await this.apply(g.tenantId, g.connector.row.id, g.items.filter((_, i) => apply[i]), g.records.filter((_, i) => apply[i]));
        latencies.set(g.tenantId, [...latencies.get(g.tenantId) ?? [], ...applied]);
      }
    } finally {
      for (const [tenantId, samples] of latencies) this.latency.record(tenantId, 'ingest', samples);
    }
  }

  /** Decode, normalize, transform, schema-check; null when the record was parked, dropped or ignored. */
  private async prepare(record: LogRecord, load: (id: string) => Promise<LoadedConnector | LoadedTarget | undefined>):
    Promise<{ connector: LoadedConnector | LoadedTarget; via: InboundDelivery['via']; items: ObservationToApply[]; resolutions: number; facts: FactToApply[] } | null> {
    let delivery: InboundDelivery;
    try {
      delivery = inboundDeliveryCodec.decode(record.value);
    } catch (err) {
      return this.park(record, `undecodable inbound record: ${(err as Error).message}`);
    }
    if (delivery.tenant !== record.tenantId) return this.park(record, `delivery names tenant ${delivery.tenant} but was logged for ${record.tenantId}`);
    const connector = await load(delivery.connectorId);
    if (!connector || connector.row.tenantId !== record.tenantId) return this.park(record, `connector ${delivery.connectorId} no longer exists`);
    if (connector.plugin.kind === 'target') return this.prepareReplies(record, delivery, connector as LoadedTarget);
    const source = connector as LoadedConnector;
    let normalized: Normalized;
    try {
      normalized = source.plugin.normalize(delivery, source.config);
    } catch (err) {
      return this.park(record, `${connector.row.type} delivery could not be normalized: ${(err as Error).message}`);
    }
    if ('ignored' in normalized) return this.keepIgnored(record, delivery, normalized.ignored);
    const observations = [...normalized.observations, ...normalized.resolutions ?? []];
    const facts = (normalized.facts ?? []).map((fact) => ({ fact, connectorId: delivery.connectorId, deliveryId: delivery.id,
      receivedAt: delivery.receivedAt, traceparent: delivery.traceparent }));
    const unknownKind = facts.find((f) => !this.appliers.has(f.fact.kind));
    if (unknownKind) return this.park(record, `${connector.row.type} delivery states a fact of kind ${unknownKind.fact.kind}, which nothing here applies`);
    const items: ObservationToApply[] = [];
    for (const observation of observations) {
      let transformed: IncidentObservation | null;
      try {
        transformed = transform(source, observation);
      } catch (err) {
        return this.park(record, `filter or transform failed: ${(err as Error).message}`);
      }
      if (transformed === null) {
        // a resolution cannot be dropped: the count of resolutions ending the list must stay right
        if (normalized.resolutions?.includes(observation)) return this.park(record, 'the filter or transform dropped a resolution');
        this.metrics.ingested.inc({ tenant: record.tenantId, source: observation.source, outcome: 'dropped' });
        continue;
      }
      try {
        // The schema check on the way in: what the store applies is always a valid IncidentObservation.
        incidentObservationCodec.encode(transformed);
      } catch (err) {
        return this.park(record, `observation breaks the IncidentObservation schema after the transform: ${(err as Error).message}`);
      }
      // A signed delivery is the source's word and is taken as it is, but PostgreSQL cannot hold NUL or
      // a lone surrogate (JSON escapes can carry both): they become U+FFFD rather than a dead letter.
      items.push({ observation: toStorableJson(transformed), connectorId: delivery.connectorId, receivedAt: delivery.receivedAt,
        traceparent: delivery.traceparent });
    }
    return { connector, via: delivery.via, items, resolutions: normalized.resolutions?.length ?? 0, facts };
  }

  /**
   * A target's delivery: its replies as observations of the tenant's incidents they name. A reply
   * naming an incident not found in the tenant is not applied: the delivery is kept as ignored
   * (`unknown_incident`) when it names no other, and counted either way.
   */
  private async prepareReplies(record: LogRecord, delivery: InboundDelivery, target: LoadedTarget):
    Promise<{ connector: LoadedTarget; via: InboundDelivery['via']; items: ObservationToApply[]; resolutions: number; facts: FactToApply[] } | null> {
    if (!target.plugin.replies) return this.park(record, `a ${target.row.type} connector takes no replies`);
    let normalized: NormalizedReplies;
    try {
      normalized = target.plugin.replies.normalize(delivery, target.config);
    } catch (err) {
      return this.park(record, `${target.row.type} reply could not be normalized: ${(err as Error).message}`);
    }
    if ('ignored' in normalized) return this.keepIgnored(record, delivery, normalized.ignored);
    const { items, unknown } = await this.replies.of(record.tenantId, delivery, normalized.replies);
    const unknownIncident: IgnoredDelivery = { reason: 'unknown_incident', action: null, type: null, version: null };
    if (items.length === 0) return this.keepIgnored(record, delivery, unknownIncident);
    if (unknown > 0) this.metrics.ignoredDeliveries.inc({ tenant: record.tenantId, source: delivery.connectorType, kind: unknownIncident.reason });
    return { connector: target, via: delivery.via, items, resolutions: 0, facts: [] };
  }

  /**
   * Which items to apply as far as `resolutions` go (Normalized): every ordinary observation, and a
   * resolution only of an incident open in the store or opened by an earlier item of this group.
   */
  private async openOrOpening(tenantId: TenantId, items: ObservationToApply[], onlyIfOpen: boolean[]): Promise<boolean[]> {
    if (!onlyIfOpen.includes(true)) return items.map(() => true);
    const key = (o: IncidentObservation) => `${o.source}\u0000${o.externalId}`;
    const stored = new Set<string>();
    const asked = items.filter((_, i) => onlyIfOpen[i]).map((i) => i.observation);
    for (const source of new Set(asked.map((o) => o.source))) {
      const statuses = await this.incidents.statusesOf({ tenantId }, source, [...new Set(asked.filter((o) => o.source === source).map((o) => o.externalId))]);
      for (const [externalId, status] of statuses) if (status === 'open') stored.add(`${source}\u0000${externalId}`);
    }
    const open = new Set(stored);
    return items.map(({ observation: o }, i) => {
      if (!onlyIfOpen[i]) {
        if (o.status === 'open') open.add(key(o));
        return true;
      }
      const keep = open.has(key(o));
      if (keep && o.status === 'resolved') open.delete(key(o));
      return keep;
    });
  }

  /** A delivery that is not one to act on: kept (once) and counted, never applied. */
  private async keepIgnored(record: LogRecord, delivery: InboundDelivery, ignored: IgnoredDelivery): Promise<null> {
    try {
      const kept = await this.ignored.record(record.tenantId, { id: delivery.id, connectorId: delivery.connectorId, receivedAt: delivery.receivedAt,
        reason: ignored.reason, action: ignored.action, type: ignored.type, version: ignored.version, body: toStorableText(delivery.body) });
      if (kept) this.metrics.ignoredDeliveries.inc({ tenant: record.tenantId, source: delivery.connectorType, kind: ignored.reason });
    } catch (err) {
      if (isTransient(err)) throw err; // the whole batch is retried
      await this.park(record, `an ignored delivery could not be kept: ${(err as Error).message}`);
    }
    return null;
  }

  /** A group's facts, a kind at a time in log order; like incidents, a batch that fails is retried fact by fact. */
  private async applyFacts(tenantId: TenantId, connector: LoadedConnector | LoadedTarget, facts: FactToApply[], records: LogRecord[]): Promise<void> {
    if (facts.length === 0) return;
    const connectorId = connector.row.id;
    const ctx = { tenantId, actor: `connector:${connectorId}`, origin: `ingest:${connectorId}`, traceparent: facts[0].traceparent };
    const count = (r: { applied: number; duplicates: number }) => {
      this.metrics.ingested.inc({ tenant: tenantId, source: connector.row.type, outcome: 'applied' }, r.applied);
      this.metrics.ingested.inc({ tenant: tenantId, source: connector.row.type, outcome: 'duplicate' }, r.duplicates);
    };
    for (const kind of new Set(facts.map((f) => f.fact.kind))) {
      const applier = this.appliers.get(kind)!;
      const ofKind = facts.map((f, i) => ({ f, record: records[i] })).filter((x) => x.f.fact.kind === kind);
      try {
        count(await applier.apply(ctx, ofKind.map((x) => x.f)));
      } catch (err) {
        if (isTransient(err)) throw err; // the whole batch is retried
        this.metrics.ingestBatchesSplit.inc({ tenant: tenantId, source: connector.row.type, kind });
        for (const { f, record } of ofKind) {
          try {
            count(await applier.apply(ctx, [f]));
          } catch (e) {
            if (isTransient(e)) throw e;
            await this.park(record, `${kind} could not be applied: ${(e as Error).message}`);
          }
        }
      }
    }
  }

  /** Applies the items; what was applied, as latencies from their arrival. */
  private async apply(tenantId: TenantId, connectorId: string, items: ObservationToApply[], records: LogRecord[]): Promise<LatencySample[]> {
    if (items.length === 0) return [];
    const ctx = { tenantId, actor: `connector:${connectorId}`, origin: `ingest:${connectorId}`, traceparent: items[0].traceparent };
    try {
      return this.observe(tenantId, items, await this.incidents.apply(ctx, items));
    } catch (err) {
      if (isTransient(err)) throw err; // the whole batch is retried
      // One bad observation must not block the stream: apply one by one, park what still fails.
      this.metrics.ingestBatchesSplit.inc({ tenant: tenantId, source: items[0].observation.source, kind: 'incident' });
      const applied: LatencySample[] = [];
      for (const [i, item] of items.entries()) {
        try {
          applied.push(...this.observe(tenantId, [item], await this.incidents.apply(ctx, [item])));
        } catch (e) {
          if (isTransient(e)) throw e;
          await this.park(records[i], `could not be applied: ${(e as Error).message}`);
        }
      }
      return applied;
    }
  }

  private observe(tenantId: TenantId, items: ObservationToApply[], result: Awaited<ReturnType<IncidentsService['apply']>>): LatencySample[] {
    const at = new Date();
    const now = at.getTime();
    const source = items[0].observation.source;
    const samples: LatencySample[] = [];
    for (const item of result.applied) {
      samples.push({ at, ms: now - item.receivedAt.getTime() });
      this.metrics.ingestLatency.observe({ source, from: 'received' }, (now - item.receivedAt.getTime()) / 1000);
      if (item.observation.sourceTime) {
        this.metrics.ingestLatency.observe({ source, from: 'source' }, Math.max(0, now - Date.parse(item.observation.sourceTime)) / 1000);
      }
    }
    this.metrics.ingested.inc({ tenant: tenantId, source, outcome: 'applied' }, result.applied.length);
    this.metrics.ingested.inc({ tenant: tenantId, source, outcome: 'duplicate' }, result.duplicates);
    this.metrics.ingested.inc({ tenant: tenantId, source, outcome: 'stale' }, result.stale);
    return samples;
  }

  private async park(record: LogRecord, reason: string): Promise<null> {
    await this.deadLetters.parkRecord(record.tenantId, INBOUND_STREAM, reason, record);
    this.metrics.deadLettered.inc({ tenant: record.tenantId, stream: INBOUND_STREAM });
    return null;
  }
}

/**
 * The connector's filter (false drops the observation) and transform (a map merged over it; null
 * drops it). A field the transform sets is stated, so that it applies to a partial update too.
 */
function transform(connector: LoadedConnector, observation: IncidentObservation): IncidentObservation | null {
  if (connector.filter) {
    const keep = connector.filter.evaluate({ event: observation });
    if (typeof keep !== 'boolean') throw new Error(`the filter must return a bool, not ${JSON.stringify(keep)}`);
    if (!keep) return null;
  }
  if (!connector.transform) return observation;
  const result = connector.transform.evaluate({ event: observation });
  if (result === null) return null;
  if (typeof result !== 'object' || Array.isArray(result)) throw new Error(`the transform must return a map or null, not ${JSON.stringify(result)}`);
  const changes = result as Partial<IncidentObservation>;
  const transformed = { ...observation, ...changes };
  if (transformed.statedFields === null || 'statedFields' in changes) return transformed;
  const set = INCIDENT_FIELDS.filter((field) => field in changes);
  return { ...transformed, statedFields: [...new Set([...transformed.statedFields, ...set])] };
}

/** Errors worth retrying the whole batch for: the database is unreachable, restarting, busy or past a time limit. */
function isTransient(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return /^(08|53|57P)/.test(code) || ['40001', '40P01', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code) || isStoreTimeout(err);
}
