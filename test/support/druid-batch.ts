import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncidentFactRecord } from '@tributary/contracts';

/** The broker (DRUID_URL, as `scripts/engines.sh env` prints it) and the overlord (the coordinator of `engines.sh up druid`). */
export const druidUrl = process.env.DRUID_URL ?? 'http://127.0.0.1:18082';
export const druidOverlordUrl = process.env.DRUID_OVERLORD_URL ?? 'http://127.0.0.1:18081';

/** The datasource's data schema, the one Druid's Kafka ingestion uses too: batch and stream rows land alike. */
const dataSchema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'druid-specs', 'incident-facts.data-schema.json'), 'utf8')) as Record<string, unknown>;

/**
 * Loads incident facts into Druid by native batch ingestion (`index_parallel`, inline JSON rows,
 * appended), one task per datasource, and returns once SQL counts every row loaded so far: a task's
 * success is not enough, the broker has to learn of the new segments (and of a new datasource) first.
 */
export class DruidBatchLoader {
  /** input rows per datasource so far: `copies` sums to it once Druid serves them all (rollup merges replays) */
  private readonly loaded = new Map<string, number>();

  async load(facts: IncidentFactRecord[], datasourceOf: (tenant: string) => string, timeoutMs = 120_000): Promise<void> {
    const byDatasource = new Map<string, IncidentFactRecord[]>();
    for (const f of facts) {
      const ds = datasourceOf(f.tenant);
      byDatasource.set(ds, [...(byDatasource.get(ds) ?? []), f]);
    }
    await Promise.all([...byDatasource].map(([ds, rows]) => this.ingest(ds, rows, timeoutMs)));
  }

  private async ingest(datasource: string, facts: IncidentFactRecord[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const data = facts.map((f) => JSON.stringify({
      ...f, time: f.time.getTime(), openedAt: f.openedAt.getTime(), acknowledgedAt: f.acknowledgedAt?.getTime() ?? null, resolvedAt: f.resolvedAt?.getTime() ?? null,
    })).join('\n');
    const task = await json<{ task: string }>(`${druidOverlordUrl}/druid/indexer/v1/task`, {
      type: 'index_parallel',
      spec: {
        dataSchema: { dataSource: datasource, ...dataSchema },
        ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data }, inputFormat: { type: 'json' }, appendToExisting: true },
        tuningConfig: { type: 'index_parallel', maxNumConcurrentSubTasks: 1 },
      },
    });
    for (;;) {
      const { status } = await json<{ status: { status: string; errorMsg?: string } }>(`${druidOverlordUrl}/druid/indexer/v1/task/${task.task}/status`);
      if (status.status === 'SUCCESS') break;
      if (status.status === 'FAILED') throw new Error(`Druid ingestion into ${datasource} failed: ${status.errorMsg ?? 'no message'}`);
      await tick(deadline, `ingestion task ${task.task} into ${datasource}`);
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
