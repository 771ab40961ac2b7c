import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per process (not prom-client's global one, so that tests can run several
 * apps in one process). Metrics are created here, by name, and nowhere else.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly ingestLatency: Histogram<'source' | 'from'>;
  readonly propagationLatency: Histogram;
  readonly ingested: Counter<'tenant' | 'source' | 'outcome'>;
  readonly deadLettered: Counter<'tenant' | 'stream'>;
  readonly webhooks: Counter<'tenant' | 'type' | 'status'>;
  readonly ignoredDeliveries: Counter<'tenant' | 'source' | 'kind'>;
  readonly ingestBatchesSplit: Counter<'tenant' | 'source' | 'kind'>;
  readonly reopenConfirmations: Counter<'tenant' | 'source' | 'result'>;
  readonly reconciliations: Counter<'tenant' | 'source' | 'outcome'>;
  readonly retentionPruned: Counter<'table'>;
  readonly indexerChanges: Counter<'tenant'>;
  readonly indexerBatch: Histogram;
  readonly analyticsFreshness: Histogram;
  readonly notifications: Counter<'tenant' | 'outcome'>;
  readonly eventsConsumed: Counter<'group' | 'stream'>;
  readonly atlasNotifications: Counter<'tenant' | 'connector' | 'outcome'>;
  readonly atlasTopicErrors: Counter<'tenant' | 'connector'>;

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({ name: 'tributary_http_requests_total', help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.httpDuration = new Histogram({ name: 'tributary_http_request_duration_seconds', help: 'HTTP request latency',
      labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
    this.ingestLatency = new Histogram({ name: 'tributary_ingest_latency_seconds',
      help: 'Time until an observation is applied to the store: from the webhook\'s arrival (from="received") and from the source\'s own event time (from="source")',
      labelNames: ['source', 'from'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
    this.propagationLatency = new Histogram({ name: 'tributary_propagation_latency_seconds',
      help: 'Time from a change event (its own time) until the propagated writes it caused are committed (an apply job succeeded)',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
    this.ingested = new Counter({ name: 'tributary_ingested_observations_total', help: 'Observations by outcome (applied, duplicate, stale, dropped)',
      labelNames: ['tenant', 'source', 'outcome'], registers: [this.registry] });
    this.deadLettered = new Counter({ name: 'tributary_dead_letters_total', help: 'Events parked in the dead letters',
      labelNames: ['tenant', 'stream'], registers: [this.registry] });
    this.webhooks = new Counter({ name: 'tributary_webhooks_total', help: 'Webhook deliveries by connector type and HTTP status',
      labelNames: ['tenant', 'type', 'status'], registers: [this.registry] });
    this.ignoredDeliveries = new Counter({ name: 'tributary_ignored_deliveries_total',
      help: 'Deliveries acknowledged and kept but not applied (not an incident, a payload version not read, no incident id), by kind',
      labelNames: ['tenant', 'source', 'kind'], registers: [this.registry] });
    this.ingestBatchesSplit = new Counter({ name: 'tributary_ingest_batches_split_total',
      help: 'Ingest batches that failed as a whole and were applied again a record at a time (what still failed was parked), by what they held: incident, or the fact kind',
      labelNames: ['tenant', 'source', 'kind'], registers: [this.registry] });
    this.reopenConfirmations = new Counter({ name: 'tributary_reopen_confirmations_total',
      help: 'Webhook deliveries that would reopen a resolved incident, checked with the source: confirmed, refused (not applied), unknown to the source or unavailable (both applied in arrival order)',
      labelNames: ['tenant', 'source', 'result'], registers: [this.registry] });
    this.reconciliations = new Counter({ name: 'tributary_reconciliations_total',
      help: 'Reconciliation passes per connector with API credentials (re-reading open and recent incidents from the source): succeeded or failed',
      labelNames: ['tenant', 'source', 'outcome'], registers: [this.registry] });
    this.retentionPruned = new Counter({ name: 'tributary_retention_pruned_rows_total',
      help: 'Rows removed by retention, per table (event_log, processed_events, directory_events, change_events, dead_letters, ignored_deliveries, notification_deliveries, audit_log, pipeline_latency)',
      labelNames: ['table'], registers: [this.registry] });
    this.indexerChanges = new Counter({ name: 'tributary_indexer_changes_total',
      help: 'Changes of the change log the indexer has brought into the analytics store (or found to touch no fact there), per tenant',
      labelNames: ['tenant'], registers: [this.registry] });
    this.indexerBatch = new Histogram({ name: 'tributary_indexer_batch_seconds',
      help: 'Time the indexer takes for one batch of the change log: planning, reading the current state from PostgreSQL, writing the analytics store',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
    this.notifications = new Counter({ name: 'tributary_notification_deliveries_total',
      help: 'Delivery and digest job runs by outcome: sent, retrying (5xx, timeout), rate_limited (a 429 waited out), waiting (our own rate limit, a newer change), parked, skipped (nothing to send)',
      labelNames: ['tenant', 'outcome'], registers: [this.registry] });
    this.eventsConsumed = new Counter({ name: 'tributary_events_consumed_total',
      help: 'Records of the event log a consumer group of this process has handled (ingestor: inbound events; propagator, notifier, writeback, indexer: change events): '
        + 'with process_cpu_seconds_total, the CPU seconds per event the cost model (docs/cost.md) is built on',
      labelNames: ['group', 'stream'], registers: [this.registry] });
    this.atlasNotifications = new Counter({ name: 'tributary_atlas_notifications_total',
      help: 'Notifications read from an atlas connector\'s Kafka topic (ATLAS_ENTITIES): logged as inbound deliveries, or parked (unreadable, a split message incomplete in time)',
      labelNames: ['tenant', 'connector', 'outcome'], registers: [this.registry] });
    this.atlasTopicErrors = new Counter({ name: 'tributary_atlas_topic_errors_total',
      help: 'Failures reading an atlas connector\'s Kafka topic (its brokers unreachable, a batch not logged); each is retried from the committed offsets',
      labelNames: ['tenant', 'connector'], registers: [this.registry] });
    this.analyticsFreshness = new Histogram({ name: 'tributary_analytics_freshness_seconds',
      help: 'Time from a change (its own time, at its commit) until the analytics store answers with it',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60], registers: [this.registry] });
  }
}
