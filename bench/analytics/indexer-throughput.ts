import { performance } from 'node:perf_hooks';
import { AnalyticsStore } from '@tributary/analytics';
import { ChangeEventRecord, changeEventCodec } from '@tributary/contracts';
import type { ProcessUse } from '@tributary/cost';
import { ChangeIndexer, FactReader, INDEXER_BATCH_SIZE } from '@tributary/indexing';
import { changeEventPayload, ChangeEventsRepository, Database, DEFAULT_TENANT } from '@tributary/store';
import { ApiClient } from '../support/api-client';
import { chunk, forEachConcurrently } from '../support/concurrency';
import { figure } from '../support/figures';
import { formatCount } from '../support/stats';
import { LineageGraph } from '../catalog/lineage-graph';
import { Measurement } from '../suite';

/** The steady-state mix: owners changing on existing assets, new tables appearing downstream of existing ones. */
const OWNER_UPDATES = 20_000;
const NEW_LEAVES = 2_000;
const TARGET_PER_SECOND = 20_000;

/**
 * The indexer's own work on a backlog of changes, on the loaded store: each batch of INDEXER_BATCH_SIZE changes
 * planned, read from PostgreSQL and written to the analytics store with its closure updated, one
 * batch after the other as the indexer's consumer does. The changes are read from the change log's
 * table and decoded before the clock starts: the log's transport is measured by the inbound and
 * distributed suites, not here.
 */
export async function measureIndexer(database: Database, api: ApiClient, graph: LineageGraph, store: AnalyticsStore,
  progress: (line: string) => void): Promise<{ measurements: Measurement[]; process: ProcessUse }> {
  const changes = new ChangeEventsRepository();
  const startSequence = await database.inTenant(DEFAULT_TENANT, (tx) => changes.lastSequence(tx));
  progress(`indexer: writing ${formatCount(OWNER_UPDATES)} owner changes and ${formatCount(NEW_LEAVES)} new downstream tables through the API`);
  await writeChangeMix(api, graph);
  const events: ChangeEventRecord[] = [];
  for (let after = startSequence; ;) {
    const page = await database.inTenant(DEFAULT_TENANT, (tx) => changes.listAfter(tx, after, 5000));
    if (page.length === 0) break;
    events.push(...page.map((e) => changeEventCodec.decode(e.payload ?? changeEventPayload(DEFAULT_TENANT, e.sequence, e))));
    after = page[page.length - 1].sequence;
  }
  progress(`indexer: indexing ${formatCount(events.length)} changes in batches of ${formatCount(INDEXER_BATCH_SIZE)}`);
  const indexer = new ChangeIndexer(new FactReader(database), store);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const batch of chunk(events, INDEXER_BATCH_SIZE)) await indexer.index(DEFAULT_TENANT, batch);
  const { user, system } = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  const perSecond = events.length / seconds;
  const name = `indexer throughput (${formatCount(events.length)} changes: owner updates, new tables with their edges)`;
  return {
    measurements: [{ name, value: `${formatCount(perSecond)} changes/s (${seconds.toFixed(1)} s)`,
      target: { text: `≥ ${formatCount(TARGET_PER_SECOND)}/s`, met: perSecond >= TARGET_PER_SECOND },
      figures: [figure('indexer.changes-per-second', name, perSecond, 'changes/s', { op: '>=', value: TARGET_PER_SECOND })] }],
    // the indexer and the embedded ClickHouse engine both run in this process: its CPU is theirs (PostgreSQL's reads are not in it)
    process: { key: 'indexer.indexer', process: 'indexer', phase: `indexing ${events.length} changes in batches of ${INDEXER_BATCH_SIZE}`,
      wallSeconds: seconds, cpuSeconds: (user + system) / 1e6, events: events.length,
      note: 'the indexer with the embedded ClickHouse engine (chdb) in one process; PostgreSQL\'s side of the reads not included' } satisfies ProcessUse,
  };
}

async function writeChangeMix(api: ApiClient, graph: LineageGraph): Promise<void> {
  const updates = graph.assets.slice(0, OWNER_UPDATES).map((a, i) => ({ ...a, attributes: { ...a.attributes, owner: `team-${i % 97}` } }));
  await forEachConcurrently(chunk(updates, 1000), 4, async (assets) => { await api.put('/v1/assets', JSON.stringify({ assets })); });
  const leaves = Array.from({ length: NEW_LEAVES }, (_, i) => ({ qualifiedName: `bench/leaf/${i}`, typeName: 'Dashboard', attributes: { owner: 'bi' } }));
  await forEachConcurrently(chunk(leaves, 1000), 4, async (assets) => { await api.put('/v1/assets', JSON.stringify({ assets })); });
  // each new table reads one existing asset, spread over the graph
  const edges = leaves.map((leaf, i) => ({ from: graph.assets[(i * 48_271) % graph.assets.length].qualifiedName, to: leaf.qualifiedName }));
  await api.put('/v1/lineage', JSON.stringify({ edges }));
}
