import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { sql } from 'kysely';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { Metrics } from '@tributary/observability';
import { DEFAULT_TENANT, ServerRepository } from '@tributary/store';
import { platformApp } from '../apps/platform/src/platform.app';
import { gzipValue, splitValues, wholeValue } from '../test/support/atlas/atlas-topic-records';
import { AtlasFake, AtlasFakeEnvelope, startAtlasFake } from '../test/support/fakes/atlas-fake';
import { incidentWebhook, signMonteCarlo } from '../test/support/montecarlo/webhooks';
import { LOCAL_OUTBOUND_CONFIG } from '../test/support/outbound';
import { acquireEngines } from './distributed/engines';
import { epochMs } from './support/clock';
import { chunk } from './support/concurrency';
import { figure } from './support/figures';
import { InProcessPlatform, startInProcessPlatform } from './support/in-process-platform';
import { formatCount, formatMs } from './support/stats';
import { describeBacklog, waitUntilSettled } from './propagation/propagator-backlog';
import { BenchSuite } from './suite';

/** BENCH_QUICK=1: small sizes, for trying the suite out, never for the record. */
const QUICK = process.env.BENCH_QUICK === '1';
/** notifications pre-produced to ATLAS_ENTITIES: half table creates, a quarter updates, a quarter tag adds */
const NOTIFICATIONS = QUICK ? 2_000 : 20_000;
const DOWNSTREAM = QUICK ? 2_000 : 100_000;
const PARTITIONS = 3;
const PRODUCE_BATCH = 1_000;
const TARGET_ANNOUNCEMENT_MS = 2_000;
const POLL_MS = 20;
/** How long the set-up's own changes may take to settle before the write-back is measured. */
const SETTLE_LIMIT_MS = 900_000;
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
const PREFIX = 'snowflake/acme/';
const ROOT = 'ANALYTICS/PUBLIC/ROOT';
const ANA = { user: 'ana' };

type Progress = (line: string) => void;

interface Consumption { notifications: number; loggedMs: number; appliedMs: number; encodings: Record<string, number>; tables: number; tagged: number; restCalls: number }
interface WriteBack { downstream: number; announcementMs: number; wholeMs: number; bulkCalls: number; entitiesPerCall: { mean: number; max: number }; failed: number }

/**
 * The Atlas/Atlan bridge (issue #15), on the engines' Kafka and the all-in-one platform in this process:
 *  - consumption: N notifications made by the fake Atlas (table creates, updates, direct tag adds),
 *    pre-produced to a fresh ATLAS_ENTITIES as Atlas produces them (null keys; whole, GZIP and split),
 *    then an `atlas` connector reading it from the earliest offset: the reader's logged/s (its
 *    `atlasNotifications{outcome=logged}` counter) and applied/s (the ingestor's inbound lag at 0);
 *  - write-back: a table with 100,000 downstream assets, each linked to an entity of the fake Atlan;
 *    a Monte Carlo incident on the root: webhook 202 → the root entity's `issue` announcement stored
 *    in the fake (target ≤ 2 s), and → the last downstream entity's `warning`, with the bulk calls.
 */
export const atlasSuite: BenchSuite = {
  id: 'atlas',
  title: 'Atlas/Atlan bridge: ATLAS_ENTITIES consumption and write-back at scale',
  run: async (progress) => {
    const engines = await acquireEngines(progress);
    const brokers = engines.env.KAFKA_BROKERS.split(',');
    const prefix = `tributary-bench-atlas-${randomBytes(4).toString('hex')}`;
    const topics = [...STREAMS.map((s) => topicOf(s, DEFAULT_TENANT, 'pooled', prefix)), `${prefix}-ATLAS_ENTITIES`];
    let platform: InProcessPlatform | undefined;
    const fakes: AtlasFake[] = [];
    try {
      await createTopics(brokers, topics.slice(0, -1), PARTITIONS, 3_600_000);
      await createTopics(brokers, topics.slice(-1), PARTITIONS, 3_600_000);
      progress('starting the platform app in this process on an embedded PostgreSQL, its event log on the engines\' Kafka');
      platform = await startInProcessPlatform(platformApp, { ...LOCAL_OUTBOUND_CONFIG, reconcileMinutes: 0, kafkaBrokers: brokers.join(','), topicPrefix: prefix });
      const atlas = await startAtlasFake({ flavour: 'atlas', tagTypes: ['PII', 'Gold'] });
      const atlan = await startAtlasFake({ flavour: 'atlan', tagTypes: ['PII'] });
      fakes.push(atlas, atlan);
      const consumption = await consume(platform, atlas, brokers, topics[topics.length - 1], progress);
      const writeBack = await writeBackAtScale(platform, atlan, progress);
      const pg = await new ServerRepository(platform.runtime.database).version();
      const appliedRate = consumption.notifications / (consumption.appliedMs / 1000);
      const loggedRate = consumption.notifications / (consumption.loggedMs / 1000);
      return {
        postgresVersion: pg,
        parameters: [
          ['notifications', `${formatCount(consumption.notifications)} ENTITY_NOTIFICATION_V2 made by the fake Atlas: ${formatCount(consumption.tables)} hive_table creates, `
            + `${formatCount(consumption.notifications - consumption.tables - consumption.tagged)} updates, ${formatCount(consumption.tagged)} direct tag adds; `
            + `records ${Object.entries(consumption.encodings).map(([k, v]) => `${formatCount(v)} ${k}`).join(', ')}, null keys over ${PARTITIONS} partitions, all produced before the connector starts`],
          ['write-back', `a Table with ${formatCount(DOWNSTREAM)} downstream Tables (one hop), each linked to an entity of the fake Atlan; one Monte Carlo incident on the root`],
          ['stack', 'the platform app (api, ingestor, propagator, indexer) in this process, embedded PostgreSQL, event log on the engines\' Kafka; '
            + 'outbound calls allowed to 127.0.0.1; fake Atlas and Atlan in this process'],
          ...(QUICK ? [['size', 'BENCH_QUICK=1: small sizes, not for the record'] as [string, string]] : []),
        ],
        measurements: [
          { name: 'ATLAS_ENTITIES notifications applied', value: `${formatCount(appliedRate)} notifications/s (${formatCount(consumption.notifications)} in ${formatMs(consumption.appliedMs)})` },
          { name: 'ATLAS_ENTITIES notifications logged by the reader', value: `${formatCount(loggedRate)} notifications/s (all in ${formatMs(consumption.loggedMs)})` },
          // what the applier asked the catalog meanwhile: reads through REST are what would bound the rate if there were many
          { name: 'REST calls to the fake Atlas while applying', value: formatCount(consumption.restCalls) },
          { name: 'incident webhook 202 → root entity\'s issue stored in Atlan', value: formatMs(writeBack.announcementMs),
            target: { text: `≤ ${TARGET_ANNOUNCEMENT_MS / 1000} s`, met: writeBack.announcementMs <= TARGET_ANNOUNCEMENT_MS } },
          { name: `incident webhook 202 → all ${formatCount(writeBack.downstream)} downstream entities warned in Atlan`,
            value: `${formatMs(writeBack.wholeMs)} (${formatCount(writeBack.downstream / (writeBack.wholeMs / 1000))} entities/s)` },
          { name: 'bulk calls', value: `${formatCount(writeBack.bulkCalls)} /entity/bulk calls, ${writeBack.entitiesPerCall.mean.toFixed(1)} entities per call on average, `
            + `${writeBack.entitiesPerCall.max} at most; ${writeBack.failed} answered other than 200` },
        ],
        figures: [
          figure('consume.applied.events-per-second', 'ATLAS_ENTITIES notifications applied per second', appliedRate, 'events/s'),
          figure('consume.logged.events-per-second', 'ATLAS_ENTITIES notifications logged by the reader per second', loggedRate, 'events/s'),
          figure('writeback.root-announcement', 'incident webhook 202 → root entity\'s issue stored', writeBack.announcementMs, 'ms', { op: '<=', value: TARGET_ANNOUNCEMENT_MS }),
          figure('writeback.whole-propagation', `incident webhook 202 → ${writeBack.downstream} downstream entities warned`, writeBack.wholeMs, 'ms'),
          figure('writeback.bulk-calls', '/entity/bulk calls for the incident', writeBack.bulkCalls, 'count'),
        ],
        notes: [
          'Applied: from the connector\'s creation (the reader starts from the earliest offset) until the reader has logged every notification and the ingestor\'s '
            + `inbound lag is 0 (polled every ${POLL_MS} ms). Logged: until its counter reaches the count. Split records count once, as one notification.`,
          'Write-back times run from the Monte Carlo webhook\'s 202 until the fake\'s stored entities show the state (polled in this process every '
            + `${POLL_MS} ms), the webhook sent once the set-up's own changes (${formatCount(DOWNSTREAM + 1)} assets, their edges) were relayed, planned, propagated and written back; `
            + 'the bridge\'s own notifications are not posted back in this suite (the loop is the e2e and distributed tests\').',
        ],
      };
    } finally {
      await platform?.stop();
      await Promise.all(fakes.map((f) => f.stop()));
      const admin = new Kafka({ clientId: 'bench-atlas', brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
      await engines.release();
    }
  },
};

async function consume(platform: InProcessPlatform, fake: AtlasFake, brokers: string[], topic: string, progress: Progress): Promise<Consumption> {
  const envelopes: AtlasFakeEnvelope[] = [];
  fake.listen((e) => envelopes.push(e));
  const tables = NOTIFICATIONS / 2;
  const tagged = NOTIFICATIONS / 4;
  const guids = Array.from({ length: tables }, (_, i) => fake.seed.entity(ANA, { typeName: 'hive_table', qualifiedName: `bench.t_${i}@prod` }));
  for (let i = 0; i < NOTIFICATIONS - tables - tagged; i++) fake.seed.update(ANA, guids[i], { description: `updated ${i}` });
  for (let i = 0; i < tagged; i++) fake.seed.addTag(ANA, guids[tables - 1 - i], i % 2 === 0 ? 'PII' : 'Gold');
  progress(`producing ${formatCount(envelopes.length)} notifications to ${topic}`);
  const encodings: Record<string, number> = { whole: 0, GZIP: 0, split: 0 };
  const producer = new Kafka({ clientId: 'bench-atlas', brokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    for (const batch of chunk([...envelopes.entries()], PRODUCE_BATCH)) {
      const messages = batch.flatMap(([n, envelope]) => {
        // Atlas compresses what is big and splits what is bigger: a tenth split, a third GZIP, the rest whole
        if (n % 10 === 0) {
          encodings.split++;
          return splitValues(envelope, `${randomUUID()}_${n}`, 2).map((value, i) => ({ key: null, value, partition: (n + i) % PARTITIONS }));
        }
        if (n % 3 === 0) {
          encodings.GZIP++;
          return [{ key: null, value: gzipValue(envelope, `${randomUUID()}_${n}`), partition: n % PARTITIONS }];
        }
        encodings.whole++;
        return [{ key: null, value: wholeValue(envelope), partition: n % PARTITIONS }];
      });
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
  const metrics = platform.app.get(Metrics);
  const logged = async () => (await metrics.atlasNotifications.get()).values.filter((v) => v.labels.outcome === 'logged').reduce((s, v) => s + v.value, 0);
  const before = await logged();
  const admin = { Authorization: `Bearer ${platform.adminKey}`, 'Content-Type': 'application/json' };
  progress('starting an atlas connector that reads the topic from the earliest offset');
  const requestsBefore = fake.requests.length;
  const start = epochMs();
  await call(`${platform.baseUrl}/v1/connectors`, admin, { type: 'atlas', name: 'bench-atlas',
    config: { ...fake.config({ writeBack: false }), kafka: { brokers, topic, startFrom: 'earliest' } } }, 201);
  let loggedMs: number | undefined;
  for (;;) {
    const count = (await logged()) - before;
    if (loggedMs === undefined && count >= envelopes.length) loggedMs = epochMs() - start;
    if (loggedMs !== undefined && (await platform.runtime.eventLog.lag('ingestor', 'inbound')) === 0) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const appliedMs = epochMs() - start;
  const applied = await platform.runtime.database.inTenant(DEFAULT_TENANT, async (tx) => (await sql<{ tables: number; tags: number; parked: number }>`
    SELECT (SELECT count(*)::int FROM atlas_entities WHERE type_name = 'hive_table') AS tables,
           (SELECT count(*)::int FROM classifications WHERE source = 'direct') AS tags,
           (SELECT count(*)::int FROM dead_letters) AS parked`.execute(tx.db)).rows[0]);
  // a notification parked or applied wrongly would make the figure faster than the work
  if (applied.tables !== tables || applied.tags !== tagged || applied.parked !== 0) {
    throw new Error(`${applied.tables} of ${tables} tables and ${applied.tags} of ${tagged} tags applied, ${applied.parked} parked: `
      + 'the numbers would not be of a complete run');
  }
  progress(`applied ${formatCount(envelopes.length)} in ${formatMs(appliedMs)} (logged in ${formatMs(loggedMs!)})`);
  return { notifications: envelopes.length, loggedMs: loggedMs!, appliedMs, encodings, tables, tagged, restCalls: fake.requests.length - requestsBefore };
}

async function writeBackAtScale(platform: InProcessPlatform, fake: AtlasFake, progress: Progress): Promise<WriteBack> {
  const admin = { Authorization: `Bearer ${platform.adminKey}`, 'Content-Type': 'application/json' };
  const names = [ROOT, ...Array.from({ length: DOWNSTREAM }, (_, i) => `ANALYTICS/PUBLIC/D_${i}`)];
  progress(`seeding ${formatCount(names.length)} entities in the fake Atlan and as assets, with ${formatCount(DOWNSTREAM)} edges from the root`);
  const guids = names.map((qn) => fake.seed.entity(ANA, { typeName: 'Table', qualifiedName: qn }));
  // seeding held the event loop for seconds: let the server close the keep-alive sockets that went idle meanwhile
  // before the next request, or fetch may pick one as it closes ("fetch failed", seen once)
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const mc = await call(`${platform.baseUrl}/v1/connectors`, admin, { type: 'montecarlo', name: 'bench-mc', config: { mappings: MAPPINGS } }, 201);
  const atlan = await call(`${platform.baseUrl}/v1/connectors`, admin, { type: 'atlan', name: 'bench-atlan',
    config: { ...fake.config({ qualifiedNamePrefix: PREFIX }), signingSecret: 'bench-atlan-webhook-secret' } }, 201);
  for (const part of chunk(names, 1000)) {
    await call(`${platform.baseUrl}/v1/assets`, admin, { assets: part.map((qn) => ({ qualifiedName: PREFIX + qn, typeName: 'table' })) }, 200, 'PUT');
  }
  for (const part of chunk(names.slice(1), 5000)) {
    await call(`${platform.baseUrl}/v1/lineage`, admin, { edges: part.map((qn) => ({ from: PREFIX + ROOT, to: PREFIX + qn })) }, 200, 'PUT');
  }
  // the links the source side makes when it reads the entities (its webhook is not what is measured here)
  await platform.runtime.database.inTenant(DEFAULT_TENANT, (tx) => sql`
    INSERT INTO atlas_entities (tenant_id, connector_id, guid, type_name, qualified_name, asset_id, is_process, direct_tags, event_time)
    SELECT 'default', ${atlan.id as string}::uuid, g.guid, 'Table', g.qn, a.id, false, '{}', now()
    FROM unnest(${guids}::text[], ${names}::text[]) AS g(guid, qn) JOIN assets a ON a.qualified_name = ${PREFIX} || g.qn`.execute(tx.db));
  // the set-up's own changes (assets, edges) relayed, planned and written back first: the incident must not queue behind them
  const settling = epochMs();
  await waitUntilSettled(platform.runtime, SETTLE_LIMIT_MS, (backlog) => progress(`  still ${describeBacklog(backlog)}`), { writeBack: true });
  progress(`the set-up's changes settled in ${formatMs(epochMs() - settling)}`);
  const since = epochMs();
  const body = JSON.stringify(incidentWebhook({ incidentId: randomUUID(), severity: 'SEV-1', tables: ['analytics:public.root'] }));
  progress('the Monte Carlo incident on the root');
  const res = await fetch(`${platform.baseUrl}/v1/hooks/montecarlo/${mc.id as string}`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-mcd-signature': signMonteCarlo(body, mc.signingSecret as string) }, body });
  if (res.status !== 202) throw new Error(`the Monte Carlo webhook answered ${res.status} ${await res.text()}`);
  const accepted = epochMs();
  let announcementMs: number | undefined;
  let warned = 0;
  for (;;) {
    if (announcementMs === undefined && fake.entity(guids[0])!.attributes.announcementType === 'issue') announcementMs = epochMs() - accepted;
    while (warned < DOWNSTREAM && fake.entity(guids[warned + 1])!.attributes.announcementType === 'warning') warned++;
    if (announcementMs !== undefined && warned === DOWNSTREAM) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const wholeMs = epochMs() - accepted;
  const bulks = fake.requests.filter((r) => r.apiPath === '/entity/bulk' && r.at >= since);
  const sizes = bulks.map((r) => ((r.body as { entities?: unknown[] }).entities ?? []).length);
  progress(`root issue after ${formatMs(announcementMs!)}, all ${formatCount(DOWNSTREAM)} warned after ${formatMs(wholeMs)} in ${bulks.length} bulk calls`);
  return { downstream: DOWNSTREAM, announcementMs: announcementMs!, wholeMs, bulkCalls: bulks.length,
    entitiesPerCall: { mean: sizes.reduce((s, n) => s + n, 0) / Math.max(1, sizes.length), max: Math.max(0, ...sizes) },
    failed: bulks.filter((r) => r.status !== 200).length };
}

async function call(url: string, headers: Record<string, string>, body: unknown, status: number, method = 'POST'): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method, headers, body: JSON.stringify(body) }).catch((err: Error) => {
    throw new Error(`${method} ${url}: ${err.message} (${String((err.cause as Error | undefined)?.message ?? err.cause)})`);
  });
  const json = await res.json() as Record<string, unknown>;
  if (res.status !== status) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
  return json;
}
