import { randomUUID } from 'node:crypto';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { ApiKeyService, RateLimiter } from '@tributary/auth';
import {
  AssetsService, ChangeFeedService, ClassificationsService, ColumnLineageService, DeadLettersService, DirectoryService, IgnoredDeliveriesService, IncidentsService,
  LineageService, ParkedRecord,
} from '@tributary/catalog';
import { AtlasApis, ConnectorRegistry, ConnectorsService, HooksService, OpenLineageReceiver, ScimTokens } from '@tributary/connectors';
import { DeadLetterRecord, deadLetterCodec } from '@tributary/contracts';
import type { NewRecord } from '@tributary/eventlog';
import { NodeOutboundHttp } from '@tributary/outbound';
import { ApiKeysRepository, asTenantId, ConnectorsRepository, TenantsRepository } from '@tributary/store';
import { TenantsService } from '@tributary/tenancy';
import {
  APPLY_QUEUE, FANOUT_QUEUE, FanoutJob, PropagationEngine, PropagationPlanner, RULE_PLAN_QUEUE, RulePlanning, RulePreview, RulesService,
} from '@tributary/propagation';
import { BACKFILL_QUEUE, BackfillJob, BackfillsService, INBOUND_STREAM } from '@tributary/ingest';
import {
  DELIVER_QUEUE, DeliverJob, DeliveriesService, DeliveryProcessor, DIGEST_QUEUE, DigestJob, NoticeBuilder, NOTIFICATIONS_STREAM, NotificationPlanner,
} from '@tributary/notifications';
import {
  ParkedWriteback, WRITEBACK_QUEUE, WRITEBACK_STREAM, WritebackDeliveries, WritebackJob, WritebackPlanner, WritebackProcessor,
} from '@tributary/writeback';
import { defaultConnectors } from './default-connectors';
import { outboundPolicy } from './outbound-policy';
import { Runtime } from './runtime';

/** A dead letter on the log: keyed like the record it parks (or by its id), with CloudEvents headers. */
const deadLetterRecord = (letter: DeadLetterRecord): NewRecord => ({
  tenantId: asTenantId(letter.tenant), key: letter.key ?? letter.id, value: deadLetterCodec.encode(letter),
  headers: { ce_specversion: '1.0', ce_id: letter.id, ce_type: 'io.tributary.deadletter', ce_source: `/tenants/${letter.tenant}/streams/${letter.stream}`,
    ce_time: letter.time.toISOString(), ce_tenant: letter.tenant, 'content-type': 'application/avro' },
});

/** Injection token of the process's EventLog (an interface, so it needs one). */
export const EVENT_LOG = Symbol('EVENT_LOG');

/**
 * The domain services every app composes from: built once per process from the runtime, plain
 * classes underneath (Nest only wires them).
 */
@Global()
@Module({})
export class DomainModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    const db = runtime.database;
    const registry = defaultConnectors();
    const publicUrl = runtime.config.publicUrl ?? `http://localhost:${runtime.config.port}`;
    const outbound = new NodeOutboundHttp(outboundPolicy(runtime.config));
    const connectorRows = new ConnectorsRepository(db);
    const connectors = new ConnectorsService(db, connectorRows, registry, runtime.secrets, publicUrl, outbound);
    // Every dead letter also goes to the event log's dead-letters stream (the dead-letter topic on Kafka).
    const deadLetters = new DeadLettersService(db, (letter) => runtime.eventLog.append('dead-letters', [deadLetterRecord(letter)]));
    // A parked inbound record goes back on the inbound log as it was, and through the same path.
    deadLetters.registerReplayer(INBOUND_STREAM, async (tenantId, payload) => {
      const p = payload as ParkedRecord;
      await runtime.eventLog.append('inbound', [{ tenantId, key: p.key, headers: p.headers, value: Buffer.from(p.value, 'base64') }]);
    });
    const backfills = new BackfillsService(db, connectors, runtime.eventLog, runtime.jobQueue, deadLetters);
    runtime.deadJobs.register<BackfillJob>(BACKFILL_QUEUE, (job) => backfills.onDead(job));
    deadLetters.registerReplayer(`jobs:${BACKFILL_QUEUE}`, (_tenantId, payload) => backfills.requeue(payload as BackfillJob));
    // Rules and the propagation engine: a rule changed at run time recomputes what it propagates, in a job.
    let planning: RulePlanning | undefined;
    const rules = new RulesService(db, (tenantId, rule) => planning!.queued(tenantId, rule), (tenantId, id) => connectors.requireTarget(tenantId, id));
    const engine = new PropagationEngine(db, rules, runtime.jobQueue);
    const planner = new PropagationPlanner(db, rules);
    planning = new RulePlanning(runtime.jobQueue, planner, engine);
    for (const queue of [FANOUT_QUEUE, APPLY_QUEUE, RULE_PLAN_QUEUE]) {
      runtime.deadJobs.register<FanoutJob>(queue, (job) => deadLetters.park(job.data.tenantId, `jobs:${queue}`,
        `propagation job failed after ${job.attempt} attempts: ${job.reason}`, job.data).then(() => undefined));
      deadLetters.registerReplayer(`jobs:${queue}`, async (_tenantId, payload) => {
        await runtime.jobQueue.enqueue(queue, [{ data: payload }]);
      });
    }
    // Notifications: notify rules queue deliveries; a delivery job sends one, a digest job a rule's summary.
    const deliveries = new DeliveryProcessor(db, connectors, rules, outbound, deadLetters, new NoticeBuilder(publicUrl),
      { attempts: runtime.config.jobAttempts, backoffMs: runtime.config.jobBackoffMs });
    const requeue = async (job: DeliverJob | DigestJob | undefined) => {
      if (!job) return;
      // a replay's own job: its key is not one the planner uses, so a job already queued never refuses it
      const key = `replay/${randomUUID()}`;
      if ('deliveryId' in job) await runtime.jobQueue.enqueue<DeliverJob>(DELIVER_QUEUE, [{ data: job, dedupKey: key }]);
      else await runtime.jobQueue.enqueue<DigestJob>(DIGEST_QUEUE, [{ data: job, dedupKey: key }]);
    };
    deadLetters.registerReplayer(NOTIFICATIONS_STREAM, async (tenantId, payload) =>
      requeue(await deliveries.unpark(tenantId, (payload as { deliveryId: string }).deliveryId)));
    for (const queue of [DELIVER_QUEUE, DIGEST_QUEUE]) {
      // a job that kept throwing (not a destination's answer: those are handled in the job) is parked with its data, replayed as it was
      runtime.deadJobs.register<DeliverJob | DigestJob>(queue, (job) => deadLetters.park(job.data.tenantId, `jobs:${queue}`,
        `notification job failed after ${job.attempt} attempts: ${job.reason}`, job.data).then(() => undefined));
      deadLetters.registerReplayer(`jobs:${queue}`, (_tenantId, payload) => requeue(payload as DeliverJob | DigestJob));
    }
    // The catalog bridge's write-back: a job per bridge connector writes its pending rows; a parked row replayed is pending again.
    const writebacks = new WritebackProcessor(db, connectors, deadLetters, WritebackProcessor.restClients(outbound),
      { attempts: runtime.config.jobAttempts, backoffMs: runtime.config.jobBackoffMs });
    const requeueWriteback = async (job: WritebackJob | undefined) => {
      if (job) await runtime.jobQueue.enqueue<WritebackJob>(WRITEBACK_QUEUE, [{ data: job, dedupKey: `replay/${randomUUID()}` }]);
    };
    deadLetters.registerReplayer(WRITEBACK_STREAM, async (tenantId, payload) => requeueWriteback(await writebacks.unpark(tenantId, payload as ParkedWriteback)));
    runtime.deadJobs.register<WritebackJob>(WRITEBACK_QUEUE, (job) => deadLetters.park(job.data.tenantId, `jobs:${WRITEBACK_QUEUE}`,
      `write-back job failed after ${job.attempt} attempts: ${job.reason}`, job.data).then(() => undefined));
    deadLetters.registerReplayer(`jobs:${WRITEBACK_QUEUE}`, (_tenantId, payload) => requeueWriteback(payload as WritebackJob));
    const apiKeys = new ApiKeyService(new ApiKeysRepository(db));
    const values: [unknown, unknown][] = [
      [AssetsService, new AssetsService(db)],
      [LineageService, new LineageService(db)],
      [ColumnLineageService, new ColumnLineageService(db)],
      [ClassificationsService, new ClassificationsService(db)],
      [ChangeFeedService, new ChangeFeedService(db)],
      [IncidentsService, new IncidentsService(db, { dedupWindowMs: runtime.config.dedupWindowHours * 3_600_000 })],
      [DeadLettersService, deadLetters],
      [IgnoredDeliveriesService, new IgnoredDeliveriesService(db)],
      [DirectoryService, new DirectoryService(db)],
      [ScimTokens, new ScimTokens(connectors)],
      [ConnectorRegistry, registry],
      [ConnectorsService, connectors],
      // the Atlas / Atlan bridges' catalog APIs, per connector version, for the source side (process ends, tag names) and the write-back
      [AtlasApis, new AtlasApis(connectors, outbound)],
      [HooksService, new HooksService(connectors, runtime.eventLog,
        new RateLimiter('connector', runtime.config.rateLimitPerConnector, runtime.config.rateLimitPerConnectorBurst))],
      [OpenLineageReceiver, new OpenLineageReceiver(connectors, runtime.eventLog)],
      [BackfillsService, backfills],
      [RulesService, rules],
      [PropagationEngine, engine],
      [PropagationPlanner, planner],
      [RulePlanning, planning],
      [RulePreview, new RulePreview(db, rules, planner)],
      [NotificationPlanner, new NotificationPlanner(db, rules)],
      [DeliveryProcessor, deliveries],
      [DeliveriesService, new DeliveriesService(db, [new WritebackDeliveries(db, connectorRows)])],
      [WritebackPlanner, new WritebackPlanner(db, connectorRows)],
      [WritebackProcessor, writebacks],
      [ApiKeyService, apiKeys],
      [TenantsService, new TenantsService(db, new TenantsRepository(db), apiKeys, runtime.secrets)],
      [EVENT_LOG, runtime.eventLog],
    ];
    const providers = values.map(([provide, useValue]) => ({ provide: provide as never, useValue }));
    return { module: DomainModule, providers, exports: providers.map((p) => p.provide) };
  }
}

