import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncidentFactRecord } from '@tributary/contracts';
import { asTenantId } from '@tributary/store';
import { DruidBatchLoader, druidUrl } from '../../../../test/support/druid-batch';
import type { AnalyticsStore } from '../analytics-store';
import type { IncidentSummary, TrendGranularity, TrendGroupBy } from '../incident-analytics';
import { applyFacts, incidentHistory } from '../incident-analytics.contract';
import { openAnalyticsStore } from '../open-analytics-store';
import { DruidIncidentAnalytics } from './druid-incident-analytics';
import { DruidSqlClient } from './druid-sql.client';

/** mulberry32: a seeded generator, so that a failure can be replayed with the printed seed */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 20261203);
const START = Date.parse('2026-01-05T00:00:00Z');
const HOUR = 3_600_000;

/**
 * Incidents over six weeks: opened at any minute, some acknowledged, most resolved hours or days
 * later, severities sometimes null, zero to four assets changing from fact to fact (names with
 * quotes and non-ASCII letters too), types and sources renamed along the way; several facts per
 * incident, each tenant's sequences increasing in commit order. The same incident ids in every tenant.
 */
function generateHistory(tenant: string, incidents: number, rnd: () => number): IncidentFactRecord[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const assets = () => Array.from({ length: Math.floor(rnd() * 5) }, () => pick(['orders', 'payments', 'users', 'dash "north"', 'tëst/ünïcode', 'b', 'a']));
  const facts: IncidentFactRecord[] = [];
  let sequence = 1;
  for (let i = 0; i < incidents; i++) {
    const openedAt = new Date(START + Math.floor(rnd() * 42 * 24 * 60) * 60_000);
    const changes: Partial<IncidentFactRecord>[] = [];
    let t = openedAt.getTime();
    for (let c = Math.floor(rnd() * 3); c > 0; c--) {
      t += Math.floor(rnd() * 48 * HOUR);
      changes.push(pick([
        { acknowledgedAt: new Date(t) }, { assets: assets() }, { severity: pick([null, 'low', 'high']) }, { type: pick(['freshness', 'volume', 'schema']) },
      ]));
    }
    if (rnd() < 0.7) {
      t += Math.floor(rnd() * 10 * 24 * HOUR);
      changes.push({ status: 'resolved', resolvedAt: new Date(t), assets: rnd() < 0.3 ? assets() : undefined });
    }
    const history = incidentHistory(tenant, `inc-${i}`, sequence, {
      source: pick(['montecarlo', 'soda', 'gx']), type: pick(['freshness', 'volume', 'schema', 'custom sql']), severity: pick([null, 'low', 'high', 'sev1']), openedAt, assets: assets(),
    }, ...changes.map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined))));
    sequence += history.length + Math.floor(rnd() * 3);
    facts.push(...history);
  }
  return facts;
}

/** Shuffled, with a tenth of the facts replayed (the stream is at-least-once). */
function deliveries(facts: IncidentFactRecord[], rnd: () => number): IncidentFactRecord[] {
  const out = [...facts, ...facts.filter(() => rnd() < 0.1)];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The Druid adapter against the embedded analytics store on one generated history: trends for
 * several windows × granularities × groupings and summaries must be identical (the means to within
 * float rounding: ClickHouse averages per-incident seconds, Druid sums whole milliseconds). Two
 * tenants share the pooled datasource with the same incident ids, one has its own.
 */
describe('Druid and the embedded analytics store, on one generated incident history', () => {
  const run = randomUUID().slice(0, 8);
  const pooledA = asTenantId(`acme-${run}`);
  const pooledB = asTenantId(`globex-${run}`);
  const dedicated = asTenantId(`initech-${run}`);
  const absent = asTenantId(`hooli-${run}`);
  const datasourceOf = (tenant: string) => (tenant === dedicated ? `test_diff_${run}_${tenant}` : `test_diff_${run}`);
  let path: string;
  let store: AnalyticsStore;
  const druid = new DruidIncidentAnalytics(new DruidSqlClient({ url: druidUrl }), async (tenantId) => datasourceOf(tenantId));

  beforeAll(async () => {
    const rnd = random(SEED);
    const facts = [...generateHistory(pooledA, 400, rnd), ...generateHistory(pooledB, 250, rnd), ...generateHistory(dedicated, 150, rnd)];
    const delivered = deliveries(facts, rnd);
    path = await mkdtemp(join(tmpdir(), 'tributary-differential-'));
    store = await openAnalyticsStore({ path });
    // the analytics store in three batches, so that older facts also arrive after newer ones were applied
    const third = Math.ceil(delivered.length / 3);
    for (let i = 0; i < delivered.length; i += third) await applyFacts(store, delivered.slice(i, i + third));
    await new DruidBatchLoader().load(delivered, datasourceOf);
    console.log(`differential history: seed ${SEED}, ${facts.length} facts, ${delivered.length} delivered`);
  }, 300_000);
  afterAll(async () => { await store?.close(); if (path) await rm(path, { recursive: true, force: true }); });

  const windows: { name: string; from: string; to: string; granularities: TrendGranularity[] }[] = [
    { name: 'all six weeks and after', from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z', granularities: ['hour', 'day', 'week'] },
    { name: 'one mid-week week, unaligned', from: '2026-01-21T13:30:00Z', to: '2026-01-28T13:30:00Z', granularities: ['hour', 'day', 'week'] },
    { name: 'one day', from: '2026-02-02T00:00:00Z', to: '2026-02-03T00:00:00Z', granularities: ['hour', 'day'] },
    { name: 'before anything', from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z', granularities: ['day'] },
  ];
  const groupings: TrendGroupBy[] = ['type', 'severity', 'source', 'status', 'asset'];
  const cases = windows.flatMap((w) => w.granularities.flatMap((granularity) => groupings.map((groupBy) => [w.name, granularity, groupBy, w] as const)));

  it.each(cases)('trends over %s by %s, grouped by %s, are identical', async (_name, granularity, groupBy, w) => {
    for (const tenant of [pooledA, pooledB, dedicated]) {
      const query = { from: new Date(w.from), to: new Date(w.to), granularity, groupBy };
      expect(await druid.incidentTrends(tenant, query)).toEqual(await store.incidentTrends(tenant, query));
    }
  });

  const expectSameSummary = (druidAnswer: IncidentSummary, embedded: IncidentSummary) => {
    expect({ ...druidAnswer, meanSecondsToAcknowledge: 0, meanSecondsToResolve: 0 }).toEqual({ ...embedded, meanSecondsToAcknowledge: 0, meanSecondsToResolve: 0 });
    for (const mean of ['meanSecondsToAcknowledge', 'meanSecondsToResolve'] as const) {
      if (embedded[mean] === null) expect(druidAnswer[mean]).toBeNull();
      else expect(druidAnswer[mean]).toBeCloseTo(embedded[mean]!, 6);
    }
  };

  it.each(windows)('summaries over $name are identical', async (w) => {
    for (const tenant of [pooledA, pooledB, dedicated]) {
      const range = { from: new Date(w.from), to: new Date(w.to) };
      expectSameSummary(await druid.incidentSummary(tenant, range), await store.incidentSummary(tenant, range));
    }
  });

  it('the history is not trivial: every tenant has open, resolved, acknowledged and multi-asset incidents in range', async () => {
    for (const tenant of [pooledA, pooledB, dedicated]) {
      const s = await druid.incidentSummary(tenant, { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') });
      expect(s.openNow).toBeGreaterThan(10);
      expect(s.resolved).toBeGreaterThan(10);
      expect(s.meanSecondsToAcknowledge).not.toBeNull();
    }
  });

  it('never answers a tenant with another\'s counts in the shared pooled datasource', async () => {
    const range = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') };
    const a = await druid.incidentSummary(pooledA, range);
    const b = await druid.incidentSummary(pooledB, range);
    expect(a.opened).toBe(400);
    expect(b.opened).toBe(250);
    expect(await druid.incidentTrends(absent, { ...range, granularity: 'week', groupBy: 'type' })).toEqual([]);
    expect(await druid.incidentSummary(absent, range)).toEqual({ openNow: 0, opened: 0, resolved: 0, meanSecondsToAcknowledge: null, meanSecondsToResolve: null });
  });
});

