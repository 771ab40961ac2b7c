import { randomUUID } from 'node:crypto';
import { ChangeFeedService, DeadLettersService } from '@tributary/catalog';
import { DEFAULT_TENANT, ServerRepository } from '@tributary/store';
import { platformApp } from '../apps/platform/src/platform.app';
import { epochMs } from './support/clock';
import { startInProcessPlatform } from './support/in-process-platform';
import { distribution, formatCount, formatMs } from './support/stats';
import { figure, latencyFigures } from './support/figures';
import { BenchSuite, Measurement } from './suite';

const BATCH = 100;
const INPUTS = 5;
const OUTPUTS = 5;
const SOURCE_TABLES = 500;
const WARM_UP = { ratePerSecond: 200, seconds: 5 };
/** New lineage: every event a job seen for the first time, writing 5 tables nobody wrote before. */
const NEW_RATES = [250, 500, 1000, 1500];
/** Re-runs: the jobs of the new-lineage phases run again over the same tables, as scheduled jobs do. */
const RERUN_RATES = [500, 1000, 1500, 2000, 3000];
const STEP_SECONDS = 15;
/** A step is sustained when every event's lineage is visible this soon after the last batch was sent. */
const DRAIN_LIMIT_MS = 5000;
const TARGET_EVENTS_PER_SECOND = 1000;
const NAMESPACE = 'postgres://warehouse:5432';
const PAGE = 5000;
const POLL_MS = 10;

type Scenario = 'new' | 'rerun';

interface StepResult {
  scenario: Scenario;
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
 * `POST /api/v1/lineage/batch` with an ingest key at a steady rate, until what each event changed
 * shows in the change feed. Two kinds of traffic, each in steps of rising rate for the highest one
 * sustained, with the POST → visible spread per step:
 *  - new lineage: each event a job never seen, reading 5 tables and writing 5 new ones (5 assets and
 *    25 edges to create: the first load of an estate, the worst case), visible when its first edge is;
 *  - re-runs: the same jobs again over the same tables (what a scheduler sends all day), each run's
 *    first output with one column renamed, so that every event changes exactly one asset (its
 *    `asset.updated` is when it is visible) while its edges stay as they are.
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
      let rerun = 0;
      const url = `${platform.baseUrl}/api/v1/lineage/batch`;
      const phase = async (scenario: Scenario, ratePerSecond: number, seconds: number): Promise<StepResult> => {
        const count = Math.round(ratePerSecond * seconds / BATCH) * BATCH;
        if (scenario === 'new') {
          const first = next;
          next += count;
          return runStep(url, ingest, watcher, scenario, first, next, ratePerSecond);
        }
        const first = rerun;
        rerun += count;
        return runStep(url, ingest, watcher, scenario, first, rerun, ratePerSecond);
      };
      const climb = async (scenario: Scenario, rates: number[]) => {
        const steps: StepResult[] = [];
        for (const rate of rates) {
          progress(`${scenario === 'new' ? 'new lineage' : 're-runs'}: step ${rate}/s for ${STEP_SECONDS} s`);
          const step = await phase(scenario, rate, STEP_SECONDS);
          steps.push(step);
          progress(`  ${step.sustained ? 'sustained' : 'not sustained'}: POST → visible p50 ${formatMs(step.visible.p50)}, p99 ${formatMs(step.visible.p99)}`);
          if (!step.sustained) break;
        }
        return steps;
      };
      progress(`warm-up ${WARM_UP.ratePerSecond}/s for ${WARM_UP.seconds} s`);
      await phase('new', WARM_UP.ratePerSecond, WARM_UP.seconds);
      const fresh = await climb('new', NEW_RATES);
      // re-runs cycle over every job the new-lineage phases made
      jobsMade = next;
      const reruns = await climb('rerun', RERUN_RATES);
      await watcher.stop();
      // the answer checked: every new event's 25 edges arrived (and no re-run added or removed one), every re-run's column change, nothing parked
      const expectedEdges = next * INPUTS * OUTPUTS;
      const deadLetters = (await platform.app.get(DeadLettersService).list({ tenantId: DEFAULT_TENANT }, 10)).items.length;
      const checked = watcher.edges === expectedEdges && watcher.removed === 0 && watcher.reruns.size === rerun && deadLetters === 0;
      const bestOf = (steps: StepResult[]) => [...steps].reverse().find((s) => s.sustained);
      const pg = await new ServerRepository(platform.runtime.database).version();
      const sustainedRow = (what: string, steps: StepResult[]): Measurement => {
        const best = bestOf(steps);
        return { name: `sustained throughput, ${what} (highest sustained step)`, value: best ? `${formatCount(best.achievedRate)} events/s` : 'none sustained',
          target: { text: `≥ ${formatCount(TARGET_EVENTS_PER_SECOND)} events/s`, met: checked && (best?.achievedRate ?? 0) >= TARGET_EVENTS_PER_SECOND * 0.97 } };
      };
      const steps = [...fresh, ...reruns];
      const measurements: Measurement[] = [
        sustainedRow('re-runs of known jobs', reruns),
        sustainedRow('new lineage (5 new assets and 25 new edges per event)', fresh),
        ...steps.map((s) => ({ name: `${s.scenario === 'new' ? 'new lineage' : 're-runs'}: step ${formatCount(s.ratePerSecond)}/s × ${STEP_SECONDS} s`,
          value: `${s.sustained ? 'sustained' : '**not sustained**'}; sent ${formatCount(s.achievedRate)}/s; POST → lineage visible p50 ${formatMs(s.visible.p50)}, `
            + `p99 ${formatMs(s.visible.p99)}, max ${formatMs(s.visible.max)}; batch POST p99 ${formatMs(s.postP99)}; `
            + `${s.drainMs === null ? `not all visible ${DRAIN_LIMIT_MS / 1000} s after the last` : `all visible ${formatMs(s.drainMs)} after the last`}` })),
        { name: 'every event applied', value: checked
          ? `yes: ${formatCount(watcher.edges)} edges added for ${formatCount(next)} new-lineage events, none removed; ${formatCount(rerun)} re-runs each changed its asset; 0 dead letters`
          : `**no**: ${formatCount(watcher.edges)} edges of ${formatCount(expectedEdges)}, ${watcher.removed} removed, `
            + `${formatCount(watcher.reruns.size)} of ${formatCount(rerun)} re-runs seen, ${deadLetters} dead letters` },
      ];
      const scenarioFigures = (key: string, label: string, list: StepResult[]) => {
        const best = bestOf(list);
        return [
          figure(`${key}.sustained.events-per-second`, `sustained OpenLineage events, ${label}`, checked ? best?.achievedRate ?? 0 : 0, 'events/s',
            { op: '>=', value: TARGET_EVENTS_PER_SECOND }),
          ...(best ? latencyFigures(`${key}.sustained.visible`, `POST → visible at the highest sustained step, ${label}`, best.visible) : []),
        ];
      };
      return {
        postgresVersion: pg,
        parameters: [
          ['events', `OpenLineage 2-0-2 RunEvents, eventType COMPLETE, each reading ${INPUTS} of ${SOURCE_TABLES} Postgres tables and writing ${OUTPUTS}; `
            + 'default naming-convention mapping'],
          ['new lineage', `each event a new job writing ${OUTPUTS} new tables (${OUTPUTS} new assets and ${INPUTS * OUTPUTS} new edges per event)`],
          ['re-runs', 'the jobs the new-lineage phases made, run again in turn with the same inputs and outputs; the first output\'s schema facet '
            + 'renames one column, so each event changes one asset and no edge'],
          ['load', `batches of ${BATCH} to POST /api/v1/lineage/batch with an ingest key, sent open loop at the step's rate from the same process`],
          ['phases', `warm-up ${WARM_UP.ratePerSecond}/s × ${WARM_UP.seconds} s (new lineage); new lineage ${NEW_RATES.join(', ')}/s, then re-runs `
            + `${RERUN_RATES.join(', ')}/s, × ${STEP_SECONDS} s each, each kind up to its first step not sustained`],
          ['stack', 'the platform app (api, ingestor, propagator) in-process with default configuration, on its embedded PostgreSQL'],
        ],
        measurements,
        figures: [...scenarioFigures('rerun', 're-runs of known jobs', reruns), ...scenarioFigures('new', 'new lineage', fresh)],
        notes: [
          '"POST → lineage visible" runs from the batch\'s send until the event\'s change appears in the tenant\'s change feed (its first edge; '
            + 'for a re-run, its asset.updated) '
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

/** How many jobs the new-lineage phases made: re-run n is a run of job n modulo this. */
let jobsMade = 0;

async function runStep(url: string, headers: Record<string, string>, watcher: EdgeWatcher, scenario: Scenario, first: number, end: number,
  ratePerSecond: number): Promise<StepResult> {
  const visibleAt = scenario === 'new' ? watcher.visibleAt : watcher.reruns;
  const batches: { sentAt: number; events: string }[] = [];
  for (let i = first; i < end; i += BATCH) {
    batches.push({ sentAt: 0, events: JSON.stringify(Array.from({ length: BATCH }, (_, k) => (scenario === 'new' ? completeEvent(i + k) : rerunEvent(i + k)))) });
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
  while (epochMs() < drainDeadline && !allVisible(visibleAt, first, end)) await new Promise((r) => setTimeout(r, 20));
  const complete = allVisible(visibleAt, first, end);
  while (!allVisible(visibleAt, first, end)) await new Promise((r) => setTimeout(r, 50)); // the next step starts from a drained log
  const latencies: number[] = [];
  for (let i = first; i < end; i++) latencies.push(visibleAt.get(i)! - batches[Math.floor((i - first) / BATCH)].sentAt);
  const lastVisible = Math.max(...Array.from({ length: end - first }, (_, k) => visibleAt.get(first + k)!));
  return {
    scenario, ratePerSecond, events: end - first, achievedRate, postP99: distribution(posts).p99, visible: distribution(latencies),
    drainMs: complete ? Math.max(0, lastVisible - lastSent) : null,
    sustained: complete && achievedRate >= ratePerSecond * 0.97,
  };
}

function allVisible(visibleAt: Map<number, number>, first: number, end: number): boolean {
  for (let i = first; i < end; i++) if (!visibleAt.has(i)) return false;
  return true;
}

const SCHEMA_FACET = { _producer: 'https://example.com/bench', _schemaURL: 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json' };
const COLUMNS = [{ name: 'id', type: 'bigint' }, { name: 'value', type: 'numeric' }];

/** Job n's run: its inputs and outputs, the first output's schema with `extra` columns. */
function completeEvent(n: number, extra: { name: string; type: string }[] = []): Record<string, unknown> {
  const inputs = Array.from({ length: INPUTS }, (_, k) => ({ namespace: NAMESPACE, name: `dw.public.src_${(n * 7 + k * 101) % SOURCE_TABLES}`, facets: {} }));
  const outputs = Array.from({ length: OUTPUTS }, (_, k) => ({ namespace: NAMESPACE, name: `dw.public.out_${n}_${k}`,
    facets: { schema: { ...SCHEMA_FACET, fields: k === 0 ? [...COLUMNS, ...extra] : COLUMNS } } }));
  return {
    eventType: 'COMPLETE', eventTime: new Date().toISOString(), producer: 'https://example.com/bench',
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: randomUUID(), facets: {} }, job: { namespace: 'bench', name: `job_${n}`, facets: {} }, inputs, outputs,
  };
}

/** Re-run n: job n modulo the jobs made, its first output's last column renamed `c_<n>` (how the watcher knows it). */
function rerunEvent(n: number): Record<string, unknown> {
  return completeEvent(n % jobsMade, [{ name: `c_${n}`, type: 'int' }]);
}

async function call(url: string, headers: Record<string, string>, body: unknown, status: number): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await res.json() as Record<string, unknown>;
  if (res.status !== status) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Reads the change feed and notes when each event's (by its job number) first edge appears. */
class EdgeWatcher {
  /** new-lineage event → when its first edge was read */
  readonly visibleAt = new Map<number, number>();
  /** re-run → when its asset.updated was read */
  readonly reruns = new Map<number, number>();
  edges = 0;
  removed = 0;
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
        if (event.type === 'lineage.edge.removed') this.removed += 1;
        if (event.type === 'asset.updated') {
          const rerun = /"c_(\d+)"/.exec(JSON.stringify(event.data.after))?.[1];
          if (rerun !== undefined && !this.reruns.has(Number(rerun))) this.reruns.set(Number(rerun), readAt);
        }
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
