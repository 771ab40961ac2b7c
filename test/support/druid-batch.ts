import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncidentFactRecord } from '@tributary/contracts';
import { incidentFactsDataSchema } from '@tributary/druid-ingestion';

/** The broker (DRUID_URL, as `scripts/engines.sh env` prints it) and the overlord (the coordinator of `engines.sh up druid`). */
export const druidUrl = process.env.DRUID_URL ?? 'http://127.0.0.1:18082';
export const druidOverlordUrl = process.env.DRUID_OVERLORD_URL ?? 'http://127.0.0.1:18081';

/** The datasource's data schema, the one Druid's Kafka ingestion uses too: batch and stream rows land alike. */
const dataSchema = incidentFactsDataSchema();
/** Rows a file: the task reads the files of a load one after another (one sub-task). */
const ROWS_PER_FILE = 100_000;

/**
 * Loads incident facts into Druid by native batch ingestion (`index_parallel`, JSON rows from files
 * in a temporary folder that the local Druid reads, appended), one task per datasource, and returns
 * once SQL counts every row loaded so far: a task's success is not enough, the broker has to learn of
 * the new segments (and of a new datasource) first. Files, not inline rows: a million rows inline
 * would make a task spec of hundreds of megabytes.
 */
export class DruidBatchLoader {
  /** input rows per datasource so far: `copies` sums to it once Druid serves them all (rollup merges replays) */
  private readonly loaded = new Map<string, number>();

  async load(facts: IncidentFactRecord[], datasourceOf: (tenant: string) => string, timeoutMs = 120_000): Promise<void> {
    const byDatasource = new Map<string, IncidentFactRecord[]>();
    for (const f of facts) {
      const ds = datasourceOf(f.tenant);
      const rows = byDatasource.get(ds);
      if (rows) rows.push(f);
      else byDatasource.set(ds, [f]);
    }
    await Promise.all([...byDatasource].map(([ds, rows]) => this.ingest(ds, rows, timeoutMs)));
  }

  private async ingest(datasource: string, facts: IncidentFactRecord[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const dir = mkdtempSync(join(tmpdir(), 'tributary-druid-batch-'));
    try {
      for (let i = 0; i < facts.length; i += ROWS_PER_FILE) {
        writeFileSync(join(dir, `${String(i / ROWS_PER_FILE).padStart(4, '0')}.json`), facts.slice(i, i + ROWS_PER_FILE).map((f) => JSON.stringify({
          ...f, time: f.time.getTime(), openedAt: f.openedAt.getTime(), acknowledgedAt: f.acknowledgedAt?.getTime() ?? null, resolvedAt: f.resolvedAt?.getTime() ?? null,
        })).join('\n'));
      }
      const task = await json<{ task: string }>(`${druidOverlordUrl}/druid/indexer/v1/task`, {
        type: 'index_parallel',
        spec: {
          dataSchema: { dataSource: datasource, ...dataSchema },
          ioConfig: { type: 'index_parallel', inputSource: { type: 'local', baseDir: dir, filter: '*.json' }, inputFormat: { type: 'json' }, appendToExisting: true },
          tuningConfig: { type: 'index_parallel', maxNumConcurrentSubTasks: 1 },
        },
      });
      for (;;) {
        const { status } = await json<{ status: { status: string; errorMsg?: string } }>(`${druidOverlordUrl}/druid/indexer/v1/task/${task.task}/status`);
        if (status.status === 'SUCCESS') break;
        if (status.status === 'FAILED') throw new Error(`Druid ingestion into ${datasource} failed: ${status.errorMsg ?? 'no message'}`);
        await tick(deadline, `ingestion task ${task.task} into ${datasource}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const expected = (this.loaded.get(datasource) ?? 0) + facts.length;
    this.loaded.set(datasource, expected);
    for (;;) {
      const res = await fetch(`${druidUrl}/druid/v2/sql`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `SELECT SUM("copies") AS n FROM "${datasource}"` }) });
      // 400 "Object … not found" until the broker's metadata refresh has seen the new datasource
      if (res.ok && Number(((await res.json()) as { n: number }[])[0]?.n) >= expected) return;
      await tick(deadline, `Druid SQL to serve ${expected} rows of ${datasource}`);
    }
  }
}

async function json<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
  return (await res.json()) as T;
}

async function tick(deadline: number, what: string): Promise<void> {
  if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/**
 * Takes a run's datasource out of the local Druid: stops its supervisor (if any) and every task still
 * writing to it, then marks its segments unused. A supervisor's tasks outlive the supervisor while
 * they publish, and one still running when Druid stops is restored at its next start, holding a task
 * slot for nothing.
 */
export async function removeDatasource(datasource: string): Promise<void> {
  const ds = encodeURIComponent(datasource);
  await fetch(`${druidOverlordUrl}/druid/indexer/v1/supervisor/${ds}/terminate`, { method: 'POST' }).catch(() => undefined);
  const tasks = await fetch(`${druidOverlordUrl}/druid/indexer/v1/tasks?datasource=${ds}`).then((r) => (r.ok ? r.json() : []), () => []) as { id: string; status: string }[];
  for (const task of tasks.filter((t) => t.status === 'RUNNING' || t.status === 'PENDING' || t.status === 'WAITING')) {
    await fetch(`${druidOverlordUrl}/druid/indexer/v1/task/${encodeURIComponent(task.id)}/shutdown`, { method: 'POST' }).catch(() => undefined);
  }
  await fetch(`${druidOverlordUrl}/druid/coordinator/v1/datasources/${ds}`, { method: 'DELETE' }).catch(() => undefined);
}
