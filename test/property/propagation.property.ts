import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Test } from 'supertest';
import { CHANGES_STREAM, changeRecord } from '@tributary/propagation';
import { asTenantId, ChangeEventsRepository, TenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { settled } from '../support/propagation';
import { enc, startTestApp, TestApp } from '../support/test-app';
import {
  addEdge, addTag, CatalogState, deleteAsset, deletedAssets, emptyCatalog, expectedPropagations, hasEdge, isLive, liveAssets,
  removeEdge, removeTag, tagsOf, upsertAsset,
} from './reference-model';

/**
 * The property of tag propagation, run against the whole platform (api + propagator in one app,
 * the public HTTP API, a real PostgreSQL, and the job queue under test): after any sequence of
 * tag, lineage and asset writes, with change events delivered again in any order, the tags the
 * store holds once the queue drained are exactly the reference model's closure of the final state.
 *
 * Each run is a fresh pooled tenant on one app instance. After the initial graph has settled, the
 * writes are not awaited for propagation (only generated `settle` and `pause` steps wait), so the
 * fan-outs of several writes overlap.
 *
 * Reproduce a failure with the seed and path fast-check prints:
 *   FC_SEED=<seed> FC_PATH=<path> npx jest --runInBand test/property/propagation.<adapter>.spec.ts
 * Explore other inputs with FC_SEED=<any integer>; FC_RUNS=<n> changes the number of runs.
 */

export interface QueueAdapter {
  /** short and lowercase: part of tenant ids */
  name: 'pgboss' | 'bullmq';
  /** BullMQ on this Redis; the PostgreSQL-backed pg-boss queue when absent */
  redisUrl?: string;
}

/** Fixed so that two runs of the suite try the same inputs: a difference between them is the system's, not the generator's. */
const DEFAULT_SEED = 20_240_611;
const DEFAULT_RUNS = 25;
const TAGS = ['PII', 'Finance', 'Gold'] as const;
const assetName = (i: number) => `a${i}`;

// --- the generated input: indices, resolved against the model's state when a step runs (so steps stay valid and shrink well) ---

type Step =
  | { kind: 'tag'; asset: number; tag: number; propagate: boolean }
  | { kind: 'untag'; pick: number }
  | { kind: 'link'; from: number; to: number }
  | { kind: 'unlink'; pick: number }
  | { kind: 'delete'; asset: number }
  | { kind: 'recreate'; pick: number }
  /** re-append these change events of the tenant (index modulo their number) to the change log, in this order */
  | { kind: 'replay'; picks: number[] }
  /** wait for propagation to settle before the next step */
  | { kind: 'settle' }
  /** let propagation run for a moment (part of what is in flight lands, part does not) */
  | { kind: 'pause'; ms: number };

interface Scenario {
  assets: number;
  edges: [number, number][];
  tags: [number, number][];
  steps: Step[];
  finalReplay: number[];
}

const index = fc.nat({ max: 9 });
/** Mostly true; false (also as a change of an existing tag's flag) must retract what the tag propagated. */
const propagate = fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });
const picks = fc.array(fc.nat({ max: 199 }), { minLength: 1, maxLength: 25 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tag' as const), asset: index, tag: fc.nat({ max: TAGS.length - 1 }), propagate }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('untag' as const), pick: index }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('link' as const), from: index, to: index }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unlink' as const), pick: fc.nat({ max: 19 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), asset: index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('recreate' as const), pick: index }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), picks }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'settle' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 1, max: 300 }) }) },
);

const scenario: fc.Arbitrary<Scenario> = fc.record({
  assets: fc.integer({ min: 6, max: 10 }),
  // taken modulo the number of assets; self edges and repeats are dropped (the API rejects self edges)
  edges: fc.array(fc.tuple(index, index), { minLength: 4, maxLength: 18 }),
  tags: fc.array(fc.tuple(index, fc.nat({ max: TAGS.length - 1 })), { minLength: 1, maxLength: 4 }),
  steps: fc.array(step, { minLength: 5, maxLength: 15 }),
  finalReplay: fc.array(fc.nat({ max: 199 }), { maxLength: 30 }),
});

// --- the app ---

/**
 * The platform app (api + ingestor + propagator) on a fresh database; on BullMQ with a queue prefix
 * of this run's own, so that a concurrent suite's workers on the same Redis never take its jobs.
 */
async function startPropertyApp(adapter: QueueAdapter): Promise<TestApp> {
  const prefix = `tributary-test-${randomBytes(6).toString('hex')}`;
  const t = await startTestApp({ parts: platformApp, config: adapter.redisUrl ? { redisUrl: adapter.redisUrl, queuePrefix: prefix } : {} });
  return {
    ...t,
    close: async () => {
      await t.close();
      if (adapter.redisUrl) await deleteRedisKeys(adapter.redisUrl, `${prefix}:*`);
    },
  };
}

async function deleteRedisKeys(url: string, match: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match, count: 500 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    await redis.quit();
  }
}

// --- one run ---

interface Tenant {
  id: TenantId;
  key: string;
}

/** Drives one scenario through the HTTP API of a new tenant, keeping the reference model in step, and returns the final model. */
class Run {
  state: CatalogState = emptyCatalog();
  readonly trace: string[] = [];

  constructor(private readonly t: TestApp, readonly tenant: Tenant) {}

  private auth() {
    return { Authorization: `Bearer ${this.tenant.key}` };
  }

  /** Sends one write and checks its status; the model moves only once the API accepted it. */
  private async write(what: string, expected: number, send: () => Test, next: CatalogState): Promise<void> {
    this.trace.push(what);
    const res = await send();
    if (res.status !== expected) {
      throw new Error(`${what}: expected HTTP ${expected}, got ${res.status} ${JSON.stringify(res.body)}\n${this.describe()}`);
    }
    this.state = next;
  }

  async upsert(names: string[]): Promise<void> {
    const next = names.reduce(upsertAsset, this.state);
    await this.write(`PUT /v1/assets ${names.join(',')}`, 200, () => this.t.http().put('/v1/assets').set(this.auth())
      .send({ assets: names.map((qualifiedName) => ({ qualifiedName, typeName: 'Table' })) }), next);
  }

  async link(edges: [string, string][]): Promise<void> {
    if (edges.length === 0) return;
    const next = edges.reduce((s, [from, to]) => addEdge(s, from, to), this.state);
    await this.write(`PUT /v1/lineage ${edges.map(([f, to]) => `${f}->${to}`).join(',')}`, 200, () => this.t.http().put('/v1/lineage')
      .set(this.auth()).send({ edges: edges.map(([from, to]) => ({ from, to })) }), next);
  }

  async unlink(from: string, to: string): Promise<void> {
    await this.write(`DELETE /v1/lineage ${from}->${to}`, 200, () => this.t.http().delete('/v1/lineage').set(this.auth())
      .send({ edges: [{ from, to }] }), removeEdge(this.state, from, to));
  }

  async tag(asset: string, name: string, propagate = true): Promise<void> {
    await this.write(`tag ${asset} ${name}${propagate ? '' : ' propagate=false'}`, 200, () => this.t.http()
      .post(`/v1/assets/${enc(asset)}/classifications`).set(this.auth()).send({ name, propagate }), addTag(this.state, asset, name, propagate));
  }

  async untag(asset: string, name: string): Promise<void> {
    await this.write(`untag ${asset} ${name}`, 200, () => this.t.http().delete(`/v1/assets/${enc(asset)}/classifications/${enc(name)}`)
      .set(this.auth()), removeTag(this.state, asset, name));
  }

  async delete(asset: string): Promise<void> {
    await this.write(`DELETE /v1/assets/${asset}`, 200, () => this.t.http().delete(`/v1/assets/${enc(asset)}`).set(this.auth()),
      deleteAsset(this.state, asset));
  }

  /**
   * Appends some of the tenant's change events to the change log again, in the given order, as
   * the relay encodes them (change-relay.ts): duplicates of what the propagator already consumed
   * or is about to, out of order. The engine recomputes from current state, so they change nothing.
   */
  async replay(choice: number[]): Promise<void> {
    const events = await this.t.runtime.database.inTenant(this.tenant.id, (tx) => new ChangeEventsRepository().listAfter(tx, 0, 100_000));
    if (events.length === 0) return;
    const chosen = choice.map((i) => events[i % events.length]);
    this.trace.push(`replay sequences ${chosen.map((e) => e.sequence).join(',')}`);
    await this.t.runtime.eventLog.append(CHANGES_STREAM, chosen.map((e) => changeRecord(this.tenant.id, e)));
  }

  async settle(): Promise<void> {
    this.trace.push('settle');
    await settled(this.t, { tenantId: this.tenant.id, deadlineMs: 60_000 });
  }

  async step(s: Step): Promise<void> {
    const live = liveAssets(this.state);
    switch (s.kind) {
      case 'tag':
        if (live.length > 0) await this.tag(live[s.asset % live.length], TAGS[s.tag], s.propagate);
        return;
      case 'untag': {
        const tagged = live.flatMap((a) => tagsOf(this.state, a).map((tag) => [a, tag.name] as const));
        if (tagged.length > 0) await this.untag(...tagged[s.pick % tagged.length]);
        return;
      }
      case 'link': {
        if (live.length < 2) return;
        const from = live[s.from % live.length];
        const others = live.filter((a) => a !== from);
        await this.link([[from, others[s.to % others.length]]]);
        return;
      }
      case 'unlink': {
        const edges = this.state.edges;
        if (edges.length > 0) await this.unlink(edges[s.pick % edges.length].from, edges[s.pick % edges.length].to);
        return;
      }
      case 'delete':
        if (live.length > 0) await this.delete(live[s.asset % live.length]);
        return;
      case 'recreate': {
        const gone = deletedAssets(this.state);
        if (gone.length > 0) await this.upsert([gone[s.pick % gone.length]]);
        return;
      }
      case 'replay':
        await this.replay(s.picks);
        return;
      case 'settle':
        await this.settle();
        return;
      case 'pause':
        this.trace.push(`pause ${s.ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, s.ms));
        return;
    }
  }

  /** Compares what the API shows of every asset with the model; returns the differences. */
  async differences(): Promise<string[]> {
    const expected = new Set<string>();
    for (const a of liveAssets(this.state)) {
      for (const tag of tagsOf(this.state, a)) expected.add(`${a}: ${tag.name} (direct)${tag.propagate ? '' : ' propagate=false'}`);
    }
    for (const p of expectedPropagations(this.state)) expected.add(`${p.asset}: ${p.name} <- ${p.from} @${p.depth}`);

    const actual = new Set<string>();
    for (const a of this.state.assets) {
      const res = await this.t.http().get(`/v1/assets/${enc(a)}`).set(this.auth());
      if (!isLive(this.state, a)) {
        if (res.status !== 404) actual.add(`${a}: deleted, but GET answered ${res.status}`);
        continue;
      }
      if (res.status !== 200) {
        actual.add(`${a}: GET answered ${res.status}`);
        continue;
      }
      for (const c of res.body.classifications as ClassificationView[]) {
        if (c.source === 'direct') actual.add(`${a}: ${c.name} (direct)${c.propagate ? '' : ' propagate=false'}`);
        else {
          const odd = c.ruleId !== 'tag-propagation' || !c.propagate ? ` [ruleId=${c.ruleId} propagate=${c.propagate}]` : '';
          actual.add(`${a}: ${c.name} <- ${c.propagatedFrom} @${c.depth}${odd}`);
        }
      }
    }
    // Deleted assets are hidden from the API; they must not hold propagated tags either (they would show if re-created).
    for (const row of await this.propagatedOnDeleted()) actual.add(`${row.asset} (deleted): ${row.name} <- ${row.source} @${row.depth}`);

    const missing = [...expected].filter((e) => !actual.has(e)).sort();
    const unexpected = [...actual].filter((e) => !expected.has(e)).sort();
    return [...missing.map((m) => `missing     ${m}`), ...unexpected.map((u) => `unexpected  ${u}`)];
  }

  private async propagatedOnDeleted(): Promise<{ asset: string; name: string; source: string; depth: number }[]> {
    return this.t.runtime.database.inTenant(this.tenant.id, async (tx) => (await sql<{ asset: string; name: string; source: string; depth: number }>`
      SELECT a.qualified_name AS asset, c.name, s.qualified_name AS source, c.depth FROM classifications c
      JOIN assets a ON a.tenant_id = c.tenant_id AND a.id = c.asset_id
      LEFT JOIN assets s ON s.tenant_id = c.tenant_id AND s.id = c.propagated_from_id
      WHERE c.tenant_id = ${tx.tenantId} AND c.source = 'propagated' AND a.deleted_at IS NOT NULL`.execute(tx.db)).rows);
  }

  describe(): string {
    const s = this.state;
    return [
      `tenant ${this.tenant.id}; steps:`, ...this.trace.map((line) => `  ${line}`),
      `final model: live ${liveAssets(s).join(',')}; deleted ${deletedAssets(s).join(',') || '-'}`,
      `  edges ${s.edges.map((e) => `${e.from}->${e.to}`).join(',') || '-'}`,
      `  direct tags ${s.assets.filter((a) => tagsOf(s, a).length > 0)
        .map((a) => `${a}:${tagsOf(s, a).map((tag) => (tag.propagate ? tag.name : `${tag.name}(propagate=false)`)).join('+')}`).join(',') || '-'}`,
    ].join('\n');
  }
}

type ClassificationView = { name: string; source: 'direct' | 'propagated'; propagate: boolean; propagatedFrom?: string; depth?: number; ruleId?: string };

async function createTenant(t: TestApp, id: string): Promise<Tenant> {
  const res = await t.http().post('/v1/tenants').set({ Authorization: `Bearer ${t.adminKey}` }).send({ id, name: id, placement: 'pooled' });
  if (res.status !== 201) throw new Error(`creating tenant ${id}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return { id: asTenantId(id), key: res.body.adminKey };
}

async function runScenario(t: TestApp, tenantId: string, sc: Scenario): Promise<void> {
  const run = new Run(t, await createTenant(t, tenantId));
  const names = Array.from({ length: sc.assets }, (_, i) => assetName(i));
  await run.upsert(names);
  const edges = new Map<string, [string, string]>();
  for (const [x, y] of sc.edges) {
    const [from, to] = [names[x % sc.assets], names[y % sc.assets]];
    if (from !== to) edges.set(`${from}->${to}`, [from, to]);
  }
  await run.link([...edges.values()]);
  for (const [a, tag] of sc.tags) await run.tag(names[a % sc.assets], TAGS[tag]);
  // The steps then change a propagated state (retract, re-depth), not only build one.
  await run.settle();
  for (const s of sc.steps) await run.step(s);
  if (sc.finalReplay.length > 0) await run.replay(sc.finalReplay);
  await run.settle();
  const diff = await run.differences();
  if (diff.length > 0) throw new Error(`the store differs from the reference closure:\n${diff.join('\n')}\n${run.describe()}`);
}

/** The property suite, on one queue adapter. */
export function describePropagationProperty(adapter: QueueAdapter): void {
  describe(`Tag propagation, property-based (${adapter.name})`, () => {
    let t: TestApp;
    const numRuns = Number(process.env.FC_RUNS ?? DEFAULT_RUNS);
    const seed = Number(process.env.FC_SEED ?? DEFAULT_SEED);

    beforeAll(async () => { t = await startPropertyApp(adapter); }, 120_000);
    afterAll(async () => { await t?.close(); });

    it('after any writes, duplicated and reordered deliveries, the store equals the reference closure once the queue drained', async () => {
      let n = 0;
      const startedAt = Date.now();
      await fc.assert(
        fc.asyncProperty(scenario, async (sc) => {
          n += 1;
          await runScenario(t, `prop-${adapter.name}-${n}-${randomBytes(3).toString('hex')}`, sc);
        }),
        {
          numRuns, seed, path: process.env.FC_PATH,
          // Shrinking stays on; a shrink that runs too long reports the smallest failure found so far.
          interruptAfterTimeLimit: 9 * 60_000, markInterruptAsFailure: true,
        },
      );
      console.log(`tag propagation property (${adapter.name}): ${n} runs, seed ${seed}, ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    }, 10 * 60_000);
  });
}

/** The reference model itself, on the e2e suite's example (kept here so that both adapter suites check it before relying on it). */
export function describeReferenceModel(): void {
  describe('reference model', () => {
    it('puts a tag on every downstream asset at its shortest depth, through diamonds and cycles, never on the source', () => {
      // a -> b -> d, a -> c -> d (diamond), d -> e, e -> b (cycle)
      let s = ['a', 'b', 'c', 'd', 'e', 'x'].reduce(upsertAsset, emptyCatalog());
      for (const [f, to] of [['a', 'b'], ['b', 'd'], ['a', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'b']]) s = addEdge(s, f, to);
      s = addTag(s, 'a', 'PII');
      const show = (st: CatalogState) => expectedPropagations(st).map((p) => `${p.asset}:${p.name}<-${p.from}@${p.depth}`);
      expect(show(s)).toEqual(['b:PII<-a@1', 'c:PII<-a@1', 'd:PII<-a@2', 'e:PII<-a@3']);
      s = addTag(addTag(s, 'c', 'PII'), 'd', 'PII');
      expect(show(s).filter((p) => p.startsWith('e:'))).toEqual(['e:PII<-a@3', 'e:PII<-c@2', 'e:PII<-d@1']);
      expect(show(s).filter((p) => p.startsWith('d:'))).toEqual(['d:PII<-a@2', 'd:PII<-c@1']);
      s = removeEdge(s, 'a', 'b');
      expect(show(s).filter((p) => p.startsWith('b:'))).toEqual(['b:PII<-a@4', 'b:PII<-c@3', 'b:PII<-d@2']);
      s = deleteAsset(s, 'c');
      expect(hasEdge(s, 'a', 'c')).toBe(false);
      expect(show(s)).toEqual(['b:PII<-d@2', 'e:PII<-d@1']);
      s = upsertAsset(s, 'c');
      expect(tagsOf(s, 'c')).toEqual([]);
      expect(show(s)).toEqual(['b:PII<-d@2', 'e:PII<-d@1']);
      s = addTag(s, 'd', 'PII', false);
      expect(show(s)).toEqual([]);
    });
  });
}
