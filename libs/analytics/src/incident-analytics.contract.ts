import { randomUUID } from 'node:crypto';
import type { IncidentFactRecord } from '@tributary/contracts';
import { asTenantId, TenantId } from '@tributary/store';
import type { AnalyticsStore, IncidentFact } from './analytics-store';
import type { IncidentAnalytics } from './incident-analytics';
import { MAX_TREND_BUCKETS } from './trend-buckets';

/** Tenants whose id starts with this are dedicated (their own database or datasource). */
export const DEDICATED_TENANT_PREFIX = 'dedicated-';
export const placementOfTestTenant = (tenantId: TenantId) => (tenantId.startsWith(DEDICATED_TENANT_PREFIX) ? 'dedicated' as const : 'pooled' as const);

/**
 * An adapter under test: `load` hands it incident facts (as the incident-facts stream carries them,
 * in any order, replays included) and returns once they are queryable; a tenant named `dedicated-…`
 * is placed on its own (placementOfTestTenant).
 */
export interface IncidentAnalyticsHarness {
  analytics: IncidentAnalytics;
  load(facts: IncidentFactRecord[]): Promise<void>;
  dispose(): Promise<void>;
}

const at = (iso: string) => new Date(iso);

/** Facts of one incident: its first state, then each change as a patch of the previous state, sequences from `sequence`. */
export function incidentHistory(tenant: string, incidentId: string, sequence: number, first: Partial<IncidentFactRecord>, ...changes: Partial<IncidentFactRecord>[]): IncidentFactRecord[] {
  let state: IncidentFactRecord = {
    id: randomUUID(), tenant, incidentId, sequence, time: first.openedAt ?? at('2026-01-01T00:00:00Z'), source: 'montecarlo', type: 'freshness', severity: null,
    status: 'open', openedAt: at('2026-01-01T00:00:00Z'), acknowledgedAt: null, resolvedAt: null, assets: [], downstreamAssets: 0, connector: null, traceId: null, ...first,
  };
  const facts = [state];
  for (const change of changes) {
    state = { ...state, id: randomUUID(), sequence: state.sequence + 1, ...change };
    state.time = change.time ?? change.resolvedAt ?? change.acknowledgedAt ?? state.time;
    facts.push(state);
  }
  return facts;
}

/**
 * What every incident-analytics adapter answers, to the number: the embedded analytics store and
 * Druid run this one suite. Every scenario's facts are loaded once, before the tests (an ingestion
 * into Druid takes seconds), each scenario in its own tenant.
 */
export function describeIncidentAnalyticsContract(adapter: string, start: () => Promise<IncidentAnalyticsHarness>) {
  describe(`incident analytics on ${adapter}`, () => {
    let h: IncidentAnalyticsHarness;
    const tenant = (prefix = 't') => asTenantId(`${prefix}${randomUUID().slice(0, 8)}`);
    const history = tenant();
    const reordered = tenant();
    const one = tenant();
    const other = tenant();
    const dedicated = tenant(DEDICATED_TENANT_PREFIX);
    const empty = tenant();
    const longValues = tenant();
    // longer than a first guess at the room a group value needs, in multi-byte characters
    const longType = `fréshness ${'é'.repeat(1500)}`;
    const longAssets = ['ü'.repeat(900), `db/${'x'.repeat(2000)}`, 'short'];

    /** The history of the analytics store's own contract, told as facts: acknowledged, resolved, an asset dropped. */
    const historyFacts = [
      ...incidentHistory(history, 't1', 1,
        { type: 'freshness', severity: 'high', openedAt: at('2026-01-01T10:00:00Z'), assets: ['x', 'y', 'gone'] },
        { acknowledgedAt: at('2026-01-01T10:30:00Z') },
        { status: 'resolved', resolvedAt: at('2026-01-01T12:00:00Z'), assets: ['x', 'y'] }),
      ...incidentHistory(history, 't2', 10, { type: 'freshness', severity: null, openedAt: at('2026-01-02T09:00:00Z'), assets: ['x'] }),
      ...incidentHistory(history, 't3', 20,
        { source: 'soda', type: 'volume', severity: 'low', openedAt: at('2025-12-30T00:00:00Z'), assets: ['y'] },
        { acknowledgedAt: at('2025-12-30T01:00:00Z') },
        { status: 'resolved', resolvedAt: at('2026-01-02T00:00:00Z') }),
    ];
    const range = { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-03T00:00:00Z') };
    const day1 = at('2026-01-01T00:00:00Z');
    const day2 = at('2026-01-02T00:00:00Z');

    // newest first, an older fact replayed twice, the newest replayed: the highest sequence still wins, once
    const reorderedFacts = incidentHistory(reordered, 'r1', 5,
      { type: 'schema', severity: 'low', openedAt: at('2026-01-01T01:00:00Z'), assets: ['a'] },
      { severity: 'high', assets: ['a', 'b'] },
      { status: 'resolved', resolvedAt: at('2026-01-01T05:00:00Z'), assets: ['b'] });
    const reorderedLoad = [reorderedFacts[2], reorderedFacts[1], reorderedFacts[0], reorderedFacts[1], reorderedFacts[2], reorderedFacts[0]];

    const sameIncident = (t: TenantId, type: string) => incidentHistory(t, 'same', 1, { type, openedAt: at('2026-01-01T00:00:00Z'), assets: ['x'] });

    beforeAll(async () => {
      h = await start();
      await h.load([...historyFacts, ...reorderedLoad, ...sameIncident(one, 'freshness'), ...sameIncident(dedicated, 'volume'),
        ...incidentHistory(longValues, 'long', 1, { type: longType, openedAt: at('2026-01-01T00:00:00Z'), assets: longAssets })]);
    });
    afterAll(async () => { await h.dispose(); });

    describe('trends', () => {
      it('buckets opened, resolved and open at the bucket\'s end, per group, from each incident\'s newest fact', async () => {
        expect(await h.analytics.incidentTrends(history, { ...range, granularity: 'day', groupBy: 'type' })).toEqual([
          { key: 'freshness', points: [{ time: day1, opened: 1, resolved: 1, openAtEnd: 0 }, { time: day2, opened: 1, resolved: 0, openAtEnd: 1 }] },
          // resolved at the first bucket's very end: still open then
          { key: 'volume', points: [{ time: day1, opened: 0, resolved: 0, openAtEnd: 1 }, { time: day2, opened: 0, resolved: 1, openAtEnd: 0 }] },
        ]);
      });

      it('groups by severity (none for none), source, status and asset (each of an incident\'s current assets once)', async () => {
        const keys = async (groupBy: 'severity' | 'source' | 'status' | 'asset') =>
          Object.fromEntries((await h.analytics.incidentTrends(history, { ...range, granularity: 'day', groupBy })).map((s) => [s.key, s.points.map((p) => p.opened)]));
        expect(await keys('severity')).toEqual({ high: [1, 0], none: [0, 1], low: [0, 0] });
        expect(await keys('source')).toEqual({ montecarlo: [1, 1], soda: [0, 0] });
        expect(await keys('status')).toEqual({ open: [0, 1], resolved: [1, 0] });
        expect(await keys('asset')).toEqual({ x: [1, 1], y: [1, 0] });
      });

      it('buckets by hour and by ISO week (from Monday)', async () => {
        const weeks = await h.analytics.incidentTrends(history, { ...range, granularity: 'week', groupBy: 'source' });
        expect(weeks.find((s) => s.key === 'montecarlo')!.points).toEqual([{ time: at('2025-12-29T00:00:00Z'), opened: 2, resolved: 1, openAtEnd: 1 }]);
        const hours = await h.analytics.incidentTrends(history, { from: at('2026-01-01T10:00:00Z'), to: at('2026-01-01T12:30:00Z'), granularity: 'hour', groupBy: 'type' });
        expect(hours.find((s) => s.key === 'freshness')!.points.map((p) => [p.time.toISOString(), p.opened, p.resolved, p.openAtEnd])).toEqual([
          ['2026-01-01T10:00:00.000Z', 1, 0, 1], ['2026-01-01T11:00:00.000Z', 0, 0, 1], ['2026-01-01T12:00:00.000Z', 0, 1, 0],
        ]);
      });

      it('counts an incident once, by its highest sequence, whatever order its facts came in and however often', async () => {
        const day = { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-02T00:00:00Z'), granularity: 'day' as const };
        expect(await h.analytics.incidentTrends(reordered, { ...day, groupBy: 'severity' })).toEqual([
          { key: 'high', points: [{ time: day1, opened: 1, resolved: 1, openAtEnd: 0 }] },
        ]);
        expect((await h.analytics.incidentTrends(reordered, { ...day, groupBy: 'asset' })).map((s) => s.key)).toEqual(['b']);
      });

      it('groups by values of any length, whole', async () => {
        const day = { from: day1, to: day2, granularity: 'day' as const };
        expect((await h.analytics.incidentTrends(longValues, { ...day, groupBy: 'type' })).map((s) => s.key)).toEqual([longType]);
        const byAsset = await h.analytics.incidentTrends(longValues, { ...day, groupBy: 'asset' });
        expect(byAsset.map((s) => s.key)).toEqual(['db/' + 'x'.repeat(2000), 'short', 'ü'.repeat(900)]);
      });

      it('answers no series for a tenant without incidents, and none for incidents outside the buckets', async () => {
        expect(await h.analytics.incidentTrends(empty, { ...range, granularity: 'day', groupBy: 'type' })).toEqual([]);
        expect(await h.analytics.incidentTrends(history, { from: at('2024-01-01T00:00:00Z'), to: at('2024-01-02T00:00:00Z'), granularity: 'day', groupBy: 'type' })).toEqual([]);
      });

      it('refuses a range that does not run forward, and one of more buckets than the bound', async () => {
        await expect(h.analytics.incidentTrends(history, { from: range.to, to: range.from, granularity: 'day', groupBy: 'type' }))
          .rejects.toMatchObject({ kind: 'invalid', code: 'analytics_range' });
        const tooLong = { from: at('2026-01-01T00:00:00Z'), to: new Date(at('2026-01-01T00:00:00Z').getTime() + (MAX_TREND_BUCKETS + 1) * 3_600_000) };
        await expect(h.analytics.incidentTrends(history, { ...tooLong, granularity: 'hour', groupBy: 'type' }))
          .rejects.toMatchObject({ kind: 'invalid', code: 'analytics_buckets' });
      });
    });

    describe('summary', () => {
      it('counts open now, opened and resolved in range, and mean times over the incidents opened in range', async () => {
        expect(await h.analytics.incidentSummary(history, range)).toEqual({
          openNow: 1, opened: 2, resolved: 2, meanSecondsToAcknowledge: 1800, meanSecondsToResolve: 7200,
        });
        expect(await h.analytics.incidentSummary(history, { from: at('2024-01-01T00:00:00Z'), to: at('2024-02-01T00:00:00Z') })).toEqual({
          openNow: 1, opened: 0, resolved: 0, meanSecondsToAcknowledge: null, meanSecondsToResolve: null,
        });
      });

      it('is all zeros for a tenant without incidents, and refuses a range that does not run forward', async () => {
        expect(await h.analytics.incidentSummary(empty, range)).toEqual({ openNow: 0, opened: 0, resolved: 0, meanSecondsToAcknowledge: null, meanSecondsToResolve: null });
        await expect(h.analytics.incidentSummary(history, { from: range.to, to: range.to })).rejects.toMatchObject({ kind: 'invalid', code: 'analytics_range' });
      });
    });

    describe('tenancy', () => {
      it('never counts another tenant\'s incidents, pooled or dedicated, for the same incident id', async () => {
        const day = { from: day1, to: day2, granularity: 'day' as const, groupBy: 'type' as const };
        const point = { time: day1, opened: 1, resolved: 0, openAtEnd: 1 };
        expect(await h.analytics.incidentTrends(one, day)).toEqual([{ key: 'freshness', points: [point] }]);
        expect(await h.analytics.incidentTrends(dedicated, day)).toEqual([{ key: 'volume', points: [point] }]);
        expect(await h.analytics.incidentTrends(other, day)).toEqual([]);
        expect(await h.analytics.incidentSummary(other, { from: new Date(0), to: at('2030-01-01T00:00:00Z') })).toMatchObject({ openNow: 0, opened: 0 });
        expect(await h.analytics.incidentSummary(one, day)).toMatchObject({ openNow: 1, opened: 1 });
      });
    });
  });
}

/** A fact of the incident-facts stream as the analytics store takes it: the sequence is its version. */
export function asAnalyticsFact(f: IncidentFactRecord): IncidentFact {
  return {
    id: f.incidentId, source: f.source, type: f.type, severity: f.severity, status: f.status as IncidentFact['status'], openedAt: f.openedAt,
    acknowledgedAt: f.acknowledgedAt, resolvedAt: f.resolvedAt, assets: f.assets, version: f.sequence,
  };
}

/** Hands the facts to the analytics store, each tenant's in one batch, as the indexer would. */
export async function applyFacts(store: AnalyticsStore, facts: IncidentFactRecord[]): Promise<void> {
  const byTenant = new Map<string, IncidentFact[]>();
  for (const f of facts) byTenant.set(f.tenant, [...(byTenant.get(f.tenant) ?? []), asAnalyticsFact(f)]);
  for (const [tenant, incidents] of byTenant) await store.apply(asTenantId(tenant), { incidents });
}
