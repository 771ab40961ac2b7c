import { performance } from 'node:perf_hooks';
import { ApiClient } from '../support/api-client';
import { chunk, forEachConcurrently } from '../support/concurrency';
import { Distribution, distribution } from '../support/stats';
import { LineageGraph } from './lineage-graph';

/** The API's maximum batch sizes: a bulk loader sends full batches. */
export const ASSETS_PER_REQUEST = 1000;
export const EDGES_PER_REQUEST = 5000;
/** A few requests in flight: on 2 cores, the client, the server and PostgreSQL share the CPUs. */
export const IN_FLIGHT = 4;

export interface Throughput {
  perSecond: number;
  seconds: number;
  /** Per request, as the client saw it. */
  latency: Distribution;
}

/** Creates every asset of the graph through PUT /v1/assets; each must come back as created. */
export async function upsertAssets(api: ApiClient, graph: LineageGraph): Promise<Throughput> {
  const batches = chunk(graph.assets, ASSETS_PER_REQUEST).map((assets) => ({ size: assets.length, json: JSON.stringify({ assets }) }));
  return sendBatches(batches, async (batch) => {
    const { results } = await api.put<{ results: { created: boolean }[] }>('/v1/assets', batch.json);
    if (results.length !== batch.size || !results.every((r) => r.created)) {
      throw new Error(`PUT /v1/assets created ${results.filter((r) => r.created).length} of ${batch.size} new assets`);
    }
  });
}

/** Adds every edge of the graph through PUT /v1/lineage; each must come back as added. */
export async function addEdges(api: ApiClient, graph: LineageGraph): Promise<Throughput> {
  const name = (i: number) => graph.assets[i].qualifiedName;
  const batches = chunk(graph.edges, EDGES_PER_REQUEST)
    .map((edges) => ({ size: edges.length, json: JSON.stringify({ edges: edges.map(([from, to]) => ({ from: name(from), to: name(to) })) }) }));
  return sendBatches(batches, async (batch) => {
    const { added } = await api.put<{ added: number }>('/v1/lineage', batch.json);
    if (added !== batch.size) throw new Error(`PUT /v1/lineage added ${added} of ${batch.size} new edges`);
  });
}

/**
 * Sends the batches IN_FLIGHT at a time. The bodies are serialized before the clock starts, and
 * throughput is the items over the wall time of the whole load.
 */
async function sendBatches<B extends { size: number }>(batches: B[], send: (batch: B) => Promise<void>): Promise<Throughput> {
  const latencies: number[] = [];
  const started = performance.now();
  await forEachConcurrently(batches, IN_FLIGHT, async (batch) => {
    const sent = performance.now();
    await send(batch);
    latencies.push(performance.now() - sent);
  });
  const seconds = (performance.now() - started) / 1000;
  const items = batches.reduce((sum, b) => sum + b.size, 0);
  return { perSecond: items / seconds, seconds, latency: distribution(latencies) };
}
