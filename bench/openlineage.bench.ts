import { randomUUID } from 'node:crypto';
import { ChangeFeedService, DeadLettersService } from '@tributary/catalog';
import { DEFAULT_TENANT, ServerRepository } from '@tributary/store';
import { platformApp } from '../apps/platform/src/platform.app';
import { epochMs } from './support/clock';
import { startInProcessPlatform } from './support/in-process-platform';
import { distribution, formatCount, formatMs } from './support/stats';
import { BenchSuite, Measurement } from './suite';

const BATCH = 100;
const INPUTS = 5;
const OUTPUTS = 5;
const SOURCE_TABLES = 500;
const WARM_UP = { ratePerSecond: 200, seconds: 5 };
const RATES = [500, 1000, 1500, 2000, 3000];
const STEP_SECONDS = 15;
/** A step is sustained when every event's lineage is visible this soon after the last batch was sent. */
const DRAIN_LIMIT_MS = 5000;
const TARGET_EVENTS_PER_SECOND = 1000;
const NAMESPACE = 'postgres://warehouse:5432';
const PAGE = 5000;
const POLL_MS = 10;

interface StepResult {
  ratePerSecond: number;
  events: number;
  achievedRate: number;
  postP99: number;
  visible: ReturnType<typeof distribution>;
  drainMs: number | null;
  sustained: boolean;
}

/**
 * OpenLineage COMPLETE events into lineage, end to end: batches of 100 events posted to
 * `POST /api/v1/lineage/batch` with an ingest key at a steady rate, each event a job run reading 5
 * tables and writing 5 new ones (5 assets and 25 edges), until the job's edges show in the change
 * feed. Steps of rising rate for the highest one sustained, and the POST → visible spread per step.
 */
export const openlineageSuite: BenchSuite = {
  id: 'openlineage',
  title: 'OpenLineage: COMPLETE events to lineage',
  run: async (progress) => {
    progress('starting the platform app (api, ingestor, propagator) on an embedded PostgreSQL');
    const platform = await startInProcessPlatform(platformApp);
    try {
      const admin = { Authorization: `Bearer ${platform.adminKey}`, 'Content-Type': 'application/json' };
      await call(`${platform.baseUrl}/v1/connectors`, admin, { type: 'openlineage', name: 'bench', config: {} }, 201);
      const key = (await call(`${platform.baseUrl}/v1/api-keys`, admin, { name: 'bench', roles: ['ingest'] }, 201)).key as string;
      const ingest = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
      const watcher = await EdgeWatcher.start(new ChangeFeedService(platform.runtime.database));
      let next = 0;
      const phase = async (ratePerSecond: number, seconds: number): Promise<StepResult> => {
        const first = next;
        next += Math.round(ratePerSecond * seconds / BATCH) * BATCH;
        return runStep(`${platform.baseUrl}/api/v1/lineage/batch`, ingest, watcher, first, next, ratePerSecond);
      };
      progress(`warm-up ${WARM_UP.ratePerSecond}/s for ${WARM_UP.seconds} s`);
      await phase(WARM_UP.ratePerSecond, WARM_UP.seconds);
      const steps: StepResult[] = [];
      for (const rate of RATES) {
        progress(`step ${rate}/s for ${STEP_SECONDS} s`);
        const step = await phase(rate, STEP_SECONDS);
        steps.push(step);
        progress(`  ${step.sustained ? 'sustained' : 'not sustained'}: POST → visible p50 ${formatMs(step.visible.p50)}, p99 ${formatMs(step.visible.p99)}`);
        if (!step.sustained) break;
      }
      await watcher.stop();
      // the answer checked: every event's 25 edges arrived, and nothing was parked
      const expectedEdges = next * INPUTS * OUTPUTS;
      const deadLetters = (await platform.app.get(DeadLettersService).list({ tenantId: DEFAULT_TENANT }, 10)).items.length;
      const checked = watcher.edges === expectedEdges && deadLetters === 0;
      const best = [...steps].reverse().find((s) => s.sustained);
      const pg = await new ServerRepository(platform.runtime.database).version();
      const measurements: Measurement[] = [
        { name: 'sustained throughput (highest sustained step)', value: best ? `${formatCount(best.achievedRate)} events/s` : 'none sustained',
          target: { text: `≥ ${formatCount(TARGET_EVENTS_PER_SECOND)} events/s`, met: checked && (best?.achievedRate ?? 0) >= TARGET_EVENTS_PER_SECOND * 0.97 } },
        ...steps.map((s) => ({ name: `step ${formatCount(s.ratePerSecond)}/s × ${STEP_SECONDS} s`,
          value: `${s.sustained ? 'sustained' : '**not sustained**'}; sent ${formatCount(s.achievedRate)}/s; POST → lineage visible p50 ${formatMs(s.visible.p50)}, `
            + `p99 ${formatMs(s.visible.p99)}, max ${formatMs(s.visible.max)}; batch POST p99 ${formatMs(s.postP99)}; `
            + `${s.drainMs === null ? `not all visible ${DRAIN_LIMIT_MS / 1000} s after the last` : `all visible ${formatMs(s.drainMs)} after the last`}` })),
        { name: 'every event applied', value: checked ? `yes: ${formatCount(watcher.edges)} edges added for ${formatCount(next)} events, 0 dead letters`
          : `**no**: ${formatCount(watcher.edges)} edges of ${formatCount(expectedEdges)}, ${deadLetters} dead letters` },
      ];
      return {
        postgresVersion: pg,
        parameters: [
          ['events', `OpenLineage 2-0-2 RunEvents, eventType COMPLETE, each a new job reading ${INPUTS} of ${SOURCE_TABLES} Postgres tables and writing `
            + `${OUTPUTS} new ones (so ${OUTPUTS} new assets and ${INPUTS * OUTPUTS} edges per event); default naming-convention mapping`],
          ['load', `batches of ${BATCH} to POST /api/v1/lineage/batch with an ingest key, sent open loop at the step's rate from the same process`],
          ['phases', `warm-up ${WARM_UP.ratePerSecond}/s × ${WARM_UP.seconds} s, then ${RATES.join(', ')}/s × ${STEP_SECONDS} s up to the first not sustained`],
          ['stack', 'the platform app (api, ingestor, propagator) in-process with default configuration, on its embedded PostgreSQL'],
        ],
        measurements,
        notes: [
          '"POST → lineage visible" runs from the batch\'s send until the first of the event\'s edges appears in the tenant\'s change feed '
            + `(read through ChangeFeedService every ${POLL_MS} ms when idle); an event\'s edges commit in one transaction.`,
          `A step is sustained when every batch was answered 200 with status success, the sender held ≥ 97% of the rate, and every event's `
            + `lineage was visible within ${DRAIN_LIMIT_MS / 1000} s of the last send.`,
        ],
      };
    } finally {
      await platform.stop();
    }
  },
};

async function runStep(url: string, headers: Record<string, string>, watcher: EdgeWatcher, first: number, end: number, ratePerSecond: number): Promise<StepResult> {
  const batches: { sentAt: number; events: string }[] = [];
  for (let i = first; i < end; i += BATCH) {
    batches.push({ sentAt: 0, events: JSON.stringify(Array.from({ length: BATCH }, (_, k) => completeEvent(i + k))) });
  }
  const posts: number[] = [];
  const start = epochMs();
  const intervalMs = (BATCH / ratePerSecond) * 1000;
  const inFlight: Promise<void>[] = [];
  for (const [n, batch] of batches.entries()) {
    const due = start + n * intervalMs;
    const wait = due - epochMs();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    batch.sentAt = epochMs();
    inFlight.push(fetch(url, { method: 'POST', headers, body: batch.events }).then(async (res) => {
      const body = await res.json() as { status?: string };
      if (res.status !== 200 || body.status !== 'success') throw new Error(`batch answered ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
      posts.push(epochMs() - batch.sentAt);
    }));
  }
  await Promise.all(inFlight);
  const lastSent = batches[batches.length - 1].sentAt;
  const achievedRate = ((end - first) / Math.max(1, lastSent - start + intervalMs)) * 1000;
  const drainDeadline = lastSent + DRAIN_LIMIT_MS;
  while (epochMs() < drainDeadline && !allVisible(watcher, first, end)) await new Promise((r) => setTimeout(r, 20));
  const complete = allVisible(watcher, first, end);
  while (!allVisible(watcher, first, end)) await new Promise((r) => setTimeout(r, 50)); // the next step starts from a drained log
  const latencies: number[] = [];
  for (let i = first; i < end; i++) latencies.push(watcher.visibleAt.get(i)! - batches[Math.floor((i - first) / BATCH)].sentAt);
  const lastVisible = Math.max(...Array.from({ length: end - first }, (_, k) => watcher.visibleAt.get(first + k)!));
  return {
    ratePerSecond, events: end - first, achievedRate, postP99: distribution(posts).p99, visible: distribution(latencies),
    drainMs: complete ? Math.max(0, lastVisible - lastSent) : null,
    sustained: complete && achievedRate >= ratePerSecond * 0.97,
  };
}

function allVisible(watcher: EdgeWatcher, first: number, end: number): boolean {
  for (let i = first; i < end; i++) if (!watcher.visibleAt.has(i)) return false;
  return true;
}

function completeEvent(n: number): Record<string, unknown> {
  const facet = { _producer: 'https://example.com/bench', _schemaURL: 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json' };
  const inputs = Array.from({ length: INPUTS }, (_, k) => ({ namespace: NAMESPACE, name: `dw.public.src_${(n * 7 + k * 101) % SOURCE_TABLES}`, facets: {} }));
  const outputs = Array.from({ length: OUTPUTS }, (_, k) => ({ namespace: NAMESPACE, name: `dw.public.out_${n}_${k}`,
    facets: { schema: { ...facet, fields: [{ name: 'id', type: 'bigint' }, { name: 'value', type: 'numeric' }] } } }));
  return {
    eventType: 'COMPLETE', eventTime: new Date().toISOString(), producer: 'https://example.com/bench',
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: randomUUID(), facets: {} }, job: { namespace: 'bench', name: `job_${n}`, facets: {} }, inputs, outputs,
  };
}

async function call(url: string, headers: Record<string, string>, body: unknown, status: number): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await res.json() as Record<string, unknown>;
  if (res.status !== status) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Reads the change feed and notes when each event's (by its job number) first edge appears. */
class EdgeWatcher {
  readonly visibleAt = new Map<number, number>();
  edges = 0;
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  private constructor(private readonly feed: ChangeFeedService, private after: number) {}

  static async start(feed: ChangeFeedService): Promise<EdgeWatcher> {
    const watcher = new EdgeWatcher(feed, 0);
    watcher.loop = watcher.watch();
    return watcher;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async watch(): Promise<void> {
    while (this.running) {
      const page = await this.feed.read({ tenantId: DEFAULT_TENANT }, this.after, PAGE);
      const readAt = epochMs();
      for (const event of page.items) {
        if (event.type !== 'lineage.edge.added') continue;
        this.edges += 1;
        const job = /^bench\/job_(\d+)$/.exec(String((event.data.after as { process?: string }).process))?.[1];
        if (job !== undefined && !this.visibleAt.has(Number(job))) this.visibleAt.set(Number(job), readAt);
      }
      this.after = page.next;
      if (page.items.length < PAGE) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
