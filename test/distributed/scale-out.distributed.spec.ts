import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { AppName, AppProcess, ensureBuilt, sample } from '../support/app-processes';
import { incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { freePort } from '../support/free-port';
import { createTestDatabase } from '../support/test-postgres';
import { newApiKey } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * Scale-out on the real engines: one api, two ingestors and two propagators as separate processes
 * (dist/, built first if stale) on Kafka, Redis and PostgreSQL. A steady stream of Monte Carlo
 * webhooks changes incidents on tables with lineage below them; one ingestor and one propagator
 * are SIGKILLed mid-stream. When everything is consumed, the store must say exactly what was sent,
 * once: nothing lost, nothing applied twice, each incident's changes in the order they happened.
 */
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const SOURCES = 4;
const INCIDENTS_PER_SOURCE = 3;
const STREAM_MS = 12_000;
const qn = (table: string) => `snowflake/acme/ANALYTICS/PUBLIC/${table}`;
const src = (i: number) => qn(`SRC_${i}`);
const mid = (i: number) => qn(`MID_${i}`);
const out = (i: number) => qn(`OUT_${i}`);
const ALL = qn('ALL_SOURCES');

/** One webhook to send: the state an incident is in from its source time on. */
interface Sent { index: number; source: number; incidentId: string; status: 'open' | 'resolved'; sourceTime: string }
interface FeedItem { sequence: number; type: string; subject: string; origin: string; data: Record<string, any> }

/**
 * Each incident goes open -> resolved -> open (reopened) -> ..., three to five states, ending open
 * or resolved; the incidents' states are interleaved, and every webhook has a later source time
 * than the one before.
 */
function plan(): Sent[] {
  const runs: Omit<Sent, 'index' | 'sourceTime'>[][] = [];
  for (let s = 0; s < SOURCES; s++) {
    for (let k = 0; k < INCIDENTS_PER_SOURCE; k++) {
      const incidentId = `inc-${s}-${k}-${randomBytes(3).toString('hex')}`;
      const states = 3 + ((s + k) % 3);
      runs.push(Array.from({ length: states }, (_, n) => ({ source: s, incidentId, status: n % 2 === 0 ? 'open' : 'resolved' })));
    }
  }
  const start = Date.now() - 3_600_000;
  const sent: Sent[] = [];
  for (let round = 0; runs.some((r) => r.length > round); round++) {
    for (const r of runs) if (r[round]) sent.push({ ...r[round], index: sent.length, sourceTime: new Date(start + sent.length * 1000).toISOString() });
  }
  return sent;
}

describe('Scale-out: two ingestors and two propagators, one of each killed mid-stream', () => {
  const run = randomBytes(4).toString('hex');
  const topicPrefix = `tributary-scale-${run}`;
  const queuePrefix = `tributary-scale-${run}`;
  const topics = STREAMS.map((s) => topicOf(s, 'pooled' as never, 'pooled', topicPrefix));
  const adminKey = newApiKey();
  const procs: AppProcess[] = [];
  let db: { url: string; drop: () => Promise<void> };
  let api: AppProcess;
  let ingestors: AppProcess[];
  let propagators: AppProcess[];
  const sent = plan();

  const auth = { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const start = async (label: string, app: AppName) => {
    const env = {
      DATABASE_URL: db.url, TRIBUTARY_ENCRYPTION_KEY: encryptionKey, TRIBUTARY_BOOTSTRAP_ADMIN_KEY: adminKey,
      KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: topicPrefix, REDIS_URL: redisUrl, TRIBUTARY_QUEUE_PREFIX: queuePrefix,
      TRIBUTARY_CHANGE_CAPTURE: 'relay', TRIBUTARY_DB_POOL_SIZE: '4', TRIBUTARY_JOB_BACKOFF_MS: '200', LOG_LEVEL: 'warn',
    };
    const p = new AppProcess(label, app, { http: await freePort(), metrics: await freePort() }, env);
    procs.push(p);
    return p;
  };
  const encryptionKey = randomBytes(32).toString('base64');
  const outputs = () => procs.map((p) => p.output()).join('\n');
  let passed = false;

  beforeAll(async () => {
    // The children run dist/: build it unless it is newer than every source file.
    ensureBuilt();
    db = await createTestDatabase();
    await createTopics(brokers, topics, 3, 3_600_000);
    // the api first: it migrates the store and bootstraps the default tenant with the admin key
    api = await start('api', 'api');
    await api.ready();
    ingestors = [await start('ingestor-1', 'ingestor'), await start('ingestor-2', 'ingestor')];
    propagators = [await start('propagator-1', 'propagator'), await start('propagator-2', 'propagator')];
    await Promise.all([...ingestors, ...propagators].map((p) => p.ready()));
  }, 240_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    if (!passed) console.log(outputs());
    await db?.drop();
    const admin = new Kafka({ clientId: 'scale-out-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    const redis = new Redis(redisUrl);
    for await (const keys of redis.scanStream({ match: `${queuePrefix}:*`, count: 500 })) {
      if ((keys as string[]).length) await redis.del(...(keys as string[]));
    }
    await redis.quit();
  }, 60_000);

  it('applies every change exactly once in effect and in order, though an ingestor and a propagator die mid-stream', async () => {
    await call('PUT', '/v1/assets', { assets: [...Array.from({ length: SOURCES }, (_, i) => [src(i), mid(i), out(i)]).flat(), ALL]
      .map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) });
    await call('PUT', '/v1/lineage', { edges: Array.from({ length: SOURCES }, (_, i) => [
      { from: src(i), to: mid(i) }, { from: mid(i), to: out(i) }, { from: mid(i), to: ALL }]).flat() });
    const mc = await call('POST', '/v1/connectors', { type: 'montecarlo', name: 'mc',
      config: { mappings: [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }] } }) as { id: string; signingSecret: string };

    const [victimIngestor, victimPropagator] = [ingestors[0], propagators[0]];
    const killed: string[] = [];
    const tagAt = Math.floor(sent.length / 3);
    for (const s of sent) {
      const body = JSON.stringify(incidentWebhook({ incidentId: s.incidentId, tables: [`analytics:public.src_${s.source}`],
        type: 'open_anomaly_incident', feedback: s.status === 'resolved' ? 'fixed' : 'investigating', owner: `webhook-${s.index}@example.com`,
        updatedTime: s.sourceTime }));
      const res = await fetch(`${api.url}/v1/hooks/montecarlo/${mc.id}`, { method: 'POST', body,
        headers: { 'Content-Type': 'application/json', 'x-mcd-signature': signMonteCarlo(body, mc.signingSecret) } });
      expect(res.status).toBe(202);
      // tags too, so that the propagators also fan out tag propagation while one of them dies
      if (s.index === tagAt) for (const i of [0, 1]) await call('POST', `/v1/assets/${encodeURIComponent(src(i))}/classifications`, { name: 'PII', propagate: true });
      // a victim is killed only once it has done work of its own, so that its death can lose something
      if (!killed.includes('ingestor') && s.index >= sent.length * 0.35
        && sample(await victimIngestor.metrics(), 'tributary_ingested_observations_total', { outcome: 'applied' }, 0) > 0) {
        await victimIngestor.kill();
        killed.push('ingestor');
      }
      if (!killed.includes('propagator') && s.index >= sent.length * 0.5
        && sample(await victimPropagator.metrics(), 'tributary_propagation_latency_seconds_count') > 0) {
        await victimPropagator.kill();
        killed.push('propagator');
      }
      await new Promise((r) => setTimeout(r, STREAM_MS / sent.length));
    }
    expect({ killed, outputs: killed.length === 2 ? '' : outputs() }).toEqual({ killed: ['ingestor', 'propagator'], outputs: '' });

    // Drained: the survivors' metrics say no lag and no queued job, and the outbox is relayed, for 3 s on end
    // (longer than the lag gauge's cached reading and the relay's idle poll; a job can enqueue the next between looks).
    const [ingestor, propagator] = [ingestors[1], propagators[1]];
    let quietSince: number | undefined;
    await waitFor('the survivors to drain the logs and the queues', async () => {
      const [i, p] = [await ingestor.metrics(), await propagator.metrics()];
      const busy = sample(i, 'tributary_consumer_lag_records', { group: 'ingestor', stream: 'inbound' })
        + sample(p, 'tributary_consumer_lag_records', { group: 'propagator', stream: 'changes' })
        + sample(p, 'tributary_queue_depth_jobs', { queue: 'propagation.fanout' }) + sample(p, 'tributary_queue_depth_jobs', { queue: 'propagation.apply' })
        + await unrelayed(db.url);
      quietSince = busy === 0 ? quietSince ?? Date.now() : undefined;
      return quietSince !== undefined && Date.now() - quietSince >= 3000 ? true : undefined;
    }, 120_000).catch((err) => { throw new Error(`${(err as Error).message}\n${outputs()}`); });

    // Nothing was parked on the way (an undecodable record, a job out of attempts).
    expect((await call('GET', '/v1/dead-letters')).items).toEqual([]);

    // No loss: every incident ends in the state its last webhook gave it.
    const incidents = (await call('GET', '/v1/incidents?limit=500')).items as { externalId: string; status: string; owner: string }[];
    const last = new Map(sent.map((s) => [s.incidentId, s]));
    expect(Object.fromEntries(incidents.map((i) => [i.externalId, `${i.status} (${i.owner})`])))
      .toEqual(Object.fromEntries([...last].map(([id, s]) => [id, `${s.status} (webhook-${s.index}@example.com)`])));

    const feed = await readFeed(call);
    const byIncident = new Map<string, FeedItem[]>();
    for (const e of feed.filter((x) => x.type.startsWith('incident.'))) {
      const id = e.data.after.externalId as string;
      byIncident.set(id, [...(byIncident.get(id) ?? []), e]);
    }
    const sentIndex = (e: FeedItem) => Number(/^webhook-(\d+)@/.exec(e.data.after.owner)![1]);
    for (const [id, s] of last) {
      const events = byIncident.get(id) ?? [];
      const mine = sent.filter((x) => x.incidentId === id);
      // In order: each event comes from a later webhook than the one before it (the feed is in commit order).
      const indexes = events.map(sentIndex);
      expect({ id, indexes }).toEqual({ id, indexes: [...indexes].sort((a, b) => a - b) });
      expect(new Set(indexes).size).toBe(indexes.length);
      // Exactly once in effect: each event starts from the state the previous one left (none repeated, none
      // skipped), changes it, and the last ends in the final state. Two webhooks that reach one ingestor
      // batch make one event (the batch applies the newest), so there are at most as many events as webhooks.
      expect(events.length).toBeGreaterThan(0);
      expect(events.length).toBeLessThanOrEqual(mine.length);
      // A batch holding two webhooks of one incident (a backlog after the kill) turns open → resolved → open
      // into one event from open to open: the status may stay, but each webhook names its own owner, so
      // an event whose owner did not change would be a webhook applied twice.
      events.forEach((e, n) => {
        expect({ id, n, before: e.data.before?.status ?? null })
          .toEqual({ id, n, before: n === 0 ? null : events[n - 1].data.after.status });
        expect(e.data.after.owner).not.toBe(e.data.before?.owner);
      });
      expect(events[events.length - 1].data.after.status).toBe(s.status);
    }

    // Derived state: open incidents on each source, and the upstream count on everything below it.
    const open = Array.from({ length: SOURCES }, (_, i) => [...last.values()].filter((s) => s.source === i && s.status === 'open').length);
    const health = async (name: string) => (await call('GET', `/v1/assets/${encodeURIComponent(name)}`)).health as { openIncidents: number; upstreamOpenIncidents: number };
    const expected: Record<string, [number, number]> = {};
    const actual: Record<string, [number, number]> = {};
    for (let i = 0; i < SOURCES; i++) {
      expected[src(i)] = [open[i], 0];
      expected[mid(i)] = [0, open[i]];
      expected[out(i)] = [0, open[i]];
    }
    expected[ALL] = [0, open.reduce((a, b) => a + b, 0)];
    for (const name of Object.keys(expected)) {
      const h = await health(name);
      actual[name] = [h.openIncidents, h.upstreamOpenIncidents];
    }
    expect(actual).toEqual(expected);

    // Propagated tags: one entry per source and asset below it, none twice.
    const tagged = async (name: string) => ((await call('GET', `/v1/assets/${encodeURIComponent(name)}`)).classifications as
      { name: string; source: string; propagatedFrom?: string; depth?: number }[])
      .filter((c) => c.source === 'propagated').map((c) => `${c.name}<-${c.propagatedFrom}@${c.depth}`).sort();
    expect(await tagged(mid(0))).toEqual([`PII<-${src(0)}@1`]);
    expect(await tagged(out(1))).toEqual([`PII<-${src(1)}@2`]);
    expect(await tagged(ALL)).toEqual([`PII<-${src(0)}@2`, `PII<-${src(1)}@2`]);
    expect(await tagged(mid(2))).toEqual([]);

    // Per asset, in order: the rule-made writes to each asset carry strictly increasing versions in feed order.
    const versions = new Map<string, number[]>();
    for (const e of feed.filter((x) => x.origin.startsWith('rule:') && typeof x.data.version === 'number')) {
      versions.set(e.subject, [...(versions.get(e.subject) ?? []), e.data.version]);
    }
    expect(versions.size).toBeGreaterThan(0);
    for (const [subject, v] of versions) expect({ subject, v }).toEqual({ subject, v: [...new Set(v)].sort((a, b) => a - b) });

    // Every surviving process exports its end-to-end latency, observed there.
    expect(sample(await ingestor.metrics(), 'tributary_ingest_latency_seconds_count', { source: 'montecarlo', from: 'source' })).toBeGreaterThan(0);
    expect(sample(await propagator.metrics(), 'tributary_propagation_latency_seconds_count')).toBeGreaterThan(0);
    passed = true;
  });
});

/** Outbox rows not yet relayed into the change log (the default tenant is pooled). */
async function unrelayed(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`SELECT (SELECT coalesce(max(sequence), 0) FROM tenant_pooled.change_events WHERE tenant_id = 'default')
      - coalesce((SELECT sequence FROM tributary.relay_offsets WHERE tenant_id = 'default'), 0) AS n`);
    return Number(r.rows[0].n);
  } finally {
    await c.end();
  }
}

/** The whole change feed of the default tenant, oldest first. */
async function readFeed(call: (method: string, path: string) => Promise<any>): Promise<FeedItem[]> {
  const items: FeedItem[] = [];
  for (let after = 0; ;) {
    const page = await call('GET', `/v1/changes?after=${after}&limit=1000`) as { items: FeedItem[]; next: number };
    if (page.items.length === 0) return items;
    items.push(...page.items);
    after = page.next;
  }
}
