import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { AnalyticsStore, AssetFact, ClosureUpdateStats, Direction, EdgeFact, FactBatch, openAnalyticsStore } from '@tributary/analytics';
import { asTenantId, TenantId } from '@tributary/store';

/**
 * The property of the analytics store's closure table: after any sequence of batches that add and
 * remove edges and delete and recreate assets, with earlier batches delivered again late (older
 * versions than the store holds), the assets `impact` reaches from every node, downstream and
 * upstream, at their depths, are exactly a breadth-first walk of the reference model's graph
 * (present edges between live assets, shortest depth, the start left out).
 *
 * Runs on the ClickHouse engine in-process (chdb), one tenant per run, with a closure of 2 hops so
 * that most answers jump through it.
 * Reproduce a failure with the seed and path fast-check prints:
 *   FC_SEED=<seed> FC_PATH=<path> npx jest --runInBand test/property/closure.property.spec.ts
 * FC_RUNS=<n> changes the number of runs.
 */

const DEFAULT_SEED = 20_261_203;
const DEFAULT_RUNS = 12;
const MAX_NODES = 12;
/**
 * The store's closure holds pairs up to this many hops, far fewer than the graphs' longest paths
 * (up to 11 hops): deeper answers must come from jumps through it, and are checked as such.
 */
const CLOSURE_DEPTH = 2;
const name = (i: number) => `n${i}`;

// --- the generated input: indices, resolved against the model's state when a step runs ---

type Op =
  | { kind: 'link'; from: number; to: number }
  | { kind: 'unlink'; pick: number }
  | { kind: 'delete'; asset: number }
  | { kind: 'recreate'; pick: number };

type Step =
  | { kind: 'batch'; ops: Op[] }
  /** apply an earlier batch again (index modulo their number): its facts are older than the store's now */
  | { kind: 'replay'; pick: number };

interface Scenario {
  nodes: number;
  live: number[];
  edges: [number, number][];
  steps: Step[];
}

const index = fc.nat({ max: MAX_NODES - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('link' as const), from: index, to: index }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('unlink' as const), pick: fc.nat({ max: 50 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), asset: index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('recreate' as const), pick: index }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('batch' as const), ops: fc.array(op, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat({ max: 20 }) }) },
);
const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 2, max: MAX_NODES }).chain((nodes) => {
  const all = Array.from({ length: nodes }, (_, i) => i);
  return fc.record({
    nodes: fc.constant(nodes),
    // most assets exist from the start; the missing ones arrive through `recreate`
    absent: fc.subarray(all, { maxLength: 2 }),
    // a chain through some of the nodes makes paths longer than two closure depths (more than one jump)
    chain: fc.shuffledSubarray(all),
    extra: fc.array(fc.tuple(fc.nat({ max: nodes - 1 }), fc.nat({ max: nodes - 1 })), { maxLength: nodes }),
    steps: fc.array(step, { minLength: 1, maxLength: 6 }),
  }).map(({ absent, chain, extra, ...rest }): Scenario => ({
    ...rest,
    live: all.filter((i) => !absent.includes(i)),
    edges: [...chain.slice(1).map((to, i): [number, number] => [chain[i], to]), ...extra],
  }));
});

// --- the reference model ---

class Model {
  readonly live = new Set<number>();
  readonly edges = new Set<string>();
  private version = 0;

  constructor(readonly nodes: number) {}

  assetFact(i: number, deleted: boolean): AssetFact {
    if (deleted) this.live.delete(i);
    else this.live.add(i);
    return { qualifiedName: name(i), typeName: 'Table', owner: null, deleted, version: (this.version += 1) };
  }

  edgeFact(from: number, to: number, present: boolean): EdgeFact {
    if (present) this.edges.add(`${from}>${to}`);
    else this.edges.delete(`${from}>${to}`);
    return { from: name(from), to: name(to), present, version: (this.version += 1) };
  }

  /** Shortest depth (≤ maxDepth) of every node reached from `start` (left out), over present edges between live nodes. */
  reach(start: number, direction: Direction, maxDepth = 50): Record<string, number> {
    const next = (n: number) => [...this.edges]
      .map((e) => e.split('>').map(Number))
      .filter(([from, to]) => this.live.has(from) && this.live.has(to) && (direction === 'downstream' ? from === n : to === n))
      .map(([from, to]) => (direction === 'downstream' ? to : from));
    if (!this.live.has(start)) return {};
    const depth = new Map<number, number>([[start, 0]]);
    for (let frontier = [start], d = 1; frontier.length > 0 && d <= maxDepth; d += 1) {
      const reached: number[] = [];
      for (const n of frontier.flatMap(next)) {
        if (!depth.has(n)) {
          depth.set(n, d);
          reached.push(n);
        }
      }
      frontier = reached;
    }
    depth.delete(start);
    return Object.fromEntries([...depth].map(([n, d]) => [name(n), d]));
  }
}

/** Turns generated ops into facts, applying them to the model as it goes (so later ops see earlier ones). */
function factsOf(model: Model, ops: Op[]): FactBatch {
  const batch: Required<Pick<FactBatch, 'assets' | 'edges'>> = { assets: [], edges: [] };
  for (const o of ops) {
    if (o.kind === 'link') {
      batch.edges.push(model.edgeFact(o.from % model.nodes, o.to % model.nodes, true));
    } else if (o.kind === 'unlink') {
      const present = [...model.edges];
      if (present.length === 0) continue;
      const [from, to] = present[o.pick % present.length].split('>').map(Number);
      batch.edges.push(model.edgeFact(from, to, false));
    } else if (o.kind === 'delete') {
      batch.assets.push(model.assetFact(o.asset % model.nodes, true));
    } else {
      const gone = Array.from({ length: model.nodes }, (_, i) => i).filter((i) => !model.live.has(i));
      if (gone.length === 0) continue;
      batch.assets.push(model.assetFact(gone[o.pick % gone.length], false));
    }
  }
  return batch;
}

/**
 * Every node, both ways, as deep as the port allows (jumps through the closure), and downstream
 * within CLOSURE_DEPTH + 1 (a last jump cut short) and within CLOSURE_DEPTH (the closure alone).
 */
const CHECKS: [Direction, number][] = [['downstream', 50], ['upstream', 50], ['downstream', CLOSURE_DEPTH + 1], ['downstream', CLOSURE_DEPTH]];

async function differences(store: AnalyticsStore, tenant: TenantId, model: Model): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < model.nodes; i += 1) {
    for (const [direction, maxDepth] of CHECKS) {
      const answer = await store.impact(tenant, { roots: [name(i)], direction, maxDepth, limit: 100 });
      const got = Object.fromEntries(answer.assets.map((a) => [a.qualifiedName, a.depth]));
      const expected = model.reach(i, direction, maxDepth);
      if (JSON.stringify(sorted(got)) !== JSON.stringify(sorted(expected))) {
        found.push(`${direction} of ${name(i)} within ${maxDepth}: store ${JSON.stringify(sorted(got))}, model ${JSON.stringify(sorted(expected))}`);
      }
    }
  }
  return found;
}

const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

async function runScenario(store: AnalyticsStore, tenant: TenantId, sc: Scenario): Promise<void> {
  const model = new Model(sc.nodes);
  const trace: string[] = [];
  const batches: FactBatch[] = [];
  const step = async (label: string, batch: FactBatch) => {
    trace.push(`${label}: ${JSON.stringify(batch)}`);
    await store.apply(tenant, batch);
    const diff = await differences(store, tenant, model);
    if (diff.length > 0) {
      throw new Error(`the closure differs from the reference model after step ${trace.length}:\n${diff.join('\n')}\ntrace:\n${trace.join('\n')}`);
    }
  };
  const initial: FactBatch = {
    assets: sc.live.map((i) => model.assetFact(i, false)),
    edges: sc.edges.map(([from, to]) => model.edgeFact(from, to, true)),
  };
  batches.push(initial);
  await step('initial', initial);
  for (const s of sc.steps) {
    if (s.kind === 'batch') {
      const batch = factsOf(model, s.ops);
      batches.push(batch);
      await step('batch', batch);
    } else {
      await step('replay', batches[s.pick % batches.length]);
    }
  }
}

describe('the closure table, property-based (embedded ClickHouse engine)', () => {
  let store: AnalyticsStore;
  let path: string;
  const updates: ClosureUpdateStats[] = [];

  beforeAll(async () => {
    path = await mkdtemp(join(tmpdir(), 'tributary-closure-property-'));
    store = await openAnalyticsStore({ path, closureDepth: CLOSURE_DEPTH, onClosureUpdate: (stats) => updates.push(stats) });
  });
  afterAll(async () => {
    await store?.close();
    await rm(path, { recursive: true, force: true });
  });

  it('the reference model walks shortest depths through cycles, over live assets only', () => {
    const model = new Model(4);
    [0, 1, 2, 3].forEach((i) => model.assetFact(i, false));
    [[0, 1], [1, 2], [2, 0], [0, 2], [2, 3]].forEach(([from, to]) => model.edgeFact(from, to, true));
    expect(model.reach(0, 'downstream')).toEqual({ n1: 1, n2: 1, n3: 2 });
    expect(model.reach(3, 'upstream')).toEqual({ n2: 1, n0: 2, n1: 2 });
    model.assetFact(2, true);
    expect(model.reach(0, 'downstream')).toEqual({ n1: 1 });
    expect(model.reach(2, 'downstream')).toEqual({});
  });

  it('after any batches of edge and asset changes, replayed late or not, impact from every node equals a breadth-first walk of the model', async () => {
    const numRuns = Number(process.env.FC_RUNS ?? DEFAULT_RUNS);
    const seed = Number(process.env.FC_SEED ?? DEFAULT_SEED);
    let n = 0;
    const startedAt = Date.now();
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        n += 1;
        await runScenario(store, asTenantId(`closure-${n}-${randomBytes(3).toString('hex')}`), sc);
      }),
      { numRuns, seed, path: process.env.FC_PATH, interruptAfterTimeLimit: 9 * 60_000, markInterruptAsFailure: true },
    );
    console.log(`closure property: ${n} runs, seed ${seed}, ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    // both ways of updating the closure were checked: the additions' fast path (also chains of
    // added edges, which take more than one round) and the recomputation after removals
    expect(updates.filter((u) => u.side === 'additions').length).toBeGreaterThan(0);
    expect(updates.filter((u) => u.side === 'additions' && u.levels > 1).length).toBeGreaterThan(0);
    expect(updates.filter((u) => u.side !== 'additions').length).toBeGreaterThan(0);
  }, 10 * 60_000);
});
