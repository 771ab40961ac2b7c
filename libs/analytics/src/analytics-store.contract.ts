import { randomUUID } from 'node:crypto';
import { DomainError } from '@tributary/errors';
import { asTenantId, TenantId } from '@tributary/store';
import { AnalyticsStore, AssetFact, EdgeFact, FactBatch, ImpactQuery, IncidentFact } from './analytics-store';
import type { DatabaseOf } from './clickhouse-database';

/** Tenants whose id starts with this live in their own database, DEDICATED_DATABASE. */
export const DEDICATED_PREFIX = 'dedicated-';
export const DEDICATED_DATABASE = 'tenant_dedicated';

/**
 * What every analytics-store adapter must do. `start` opens a store whose tenants named
 * `dedicated-…` are put in DEDICATED_DATABASE by the given `databaseOf`, and a way to read any
 * database's tables directly (to show where rows land); `dispose` runs after the store closed.
 */
export function describeAnalyticsStoreContract(adapter: string, start: (databaseOf: DatabaseOf) => Promise<{
  store: AnalyticsStore;
  inspect: <T>(sql: string) => Promise<T[]>;
  dispose: () => Promise<void>;
}>) {
  describe(`analytics store on ${adapter}`, () => {
    let store: AnalyticsStore;
    let inspect: <T>(sql: string) => Promise<T[]>;
    let dispose: () => Promise<void>;
    const databaseOf: DatabaseOf = async (tenantId) => (tenantId.startsWith(DEDICATED_PREFIX) ? DEDICATED_DATABASE : 'tributary');

    beforeAll(async () => { ({ store, inspect, dispose } = await start(databaseOf)); });
    afterAll(async () => { await store.close(); await dispose(); });

    const freshTenant = (prefix = 't') => asTenantId(`${prefix}${randomUUID().slice(0, 8)}`);
    const asset = (qualifiedName: string, version = 1, extra: Partial<AssetFact> = {}): AssetFact => ({
      qualifiedName, typeName: 'Table', owner: null, deleted: false, version, ...extra,
    });
    const edge = (from: string, to: string, version = 1, present = true): EdgeFact => ({ from, to, present, version });
    const downstream = (roots: string[], maxDepth = 50, limit = 100): ImpactQuery => ({ roots, direction: 'downstream', maxDepth, limit });
    const upstream = (roots: string[], maxDepth = 50, limit = 100): ImpactQuery => ({ roots, direction: 'upstream', maxDepth, limit });
    /** reached assets with their depth, in name order */
    const reach = async (tenant: TenantId, query: ImpactQuery) =>
      Object.fromEntries((await store.impact(tenant, query)).assets.map((a) => [a.qualifiedName, a.depth]));

    /**
     * The graph most tests use: a diamond (r1→a→c, r1→b→c), a skip edge (r1→d beside r1→a→c→d),
     * a cycle (c→d→e→c) and a second root (r2→e).
     */
    const GRAPH_EDGES: [string, string][] = [['r1', 'a'], ['r1', 'b'], ['a', 'c'], ['b', 'c'], ['c', 'd'], ['r1', 'd'], ['d', 'e'], ['e', 'c'], ['r2', 'e']];
    const graph = (): FactBatch => ({
      assets: [
        asset('r1', 1, { typeName: 'Source', owner: 'olga' }),
        asset('r2', 1, { typeName: 'Source', owner: 'olga' }),
        asset('a', 1, { owner: 'ann' }),
        asset('b', 1, { owner: 'ann' }),
        asset('c', 1, { owner: 'bob' }),
        asset('d', 1, { typeName: 'Dashboard' }),
        asset('e', 1, { typeName: 'Dashboard', owner: 'bob' }),
      ],
      edges: GRAPH_EDGES.map(([from, to]) => edge(from, to)),
    });
    async function tenantWithGraph(prefix = 't') {
      const tenant = freshTenant(prefix);
      await store.apply(tenant, graph());
      return tenant;
    }

    describe('impact', () => {
      it('reaches each asset once at its shortest depth, through diamonds, skip edges and cycles, roots left out', async () => {
        const tenant = await tenantWithGraph();
        expect(await reach(tenant, downstream(['r1']))).toEqual({ a: 1, b: 1, d: 1, c: 2, e: 2 });
        expect(await reach(tenant, downstream(['c']))).toEqual({ d: 1, e: 2 });
        expect(await reach(tenant, downstream(['r1'], 1))).toEqual({ a: 1, b: 1, d: 1 });
      });

      it('from several roots takes the shortest depth from any of them', async () => {
        const tenant = await tenantWithGraph();
        expect(await reach(tenant, downstream(['r1', 'r2']))).toEqual({ a: 1, b: 1, d: 1, e: 1, c: 2 });
        // a root reached from another root is still a root
        expect(await reach(tenant, downstream(['r1', 'c']))).toEqual({ a: 1, b: 1, d: 1, e: 2 });
      });

      it('walks upstream', async () => {
        const tenant = await tenantWithGraph();
        expect(await reach(tenant, upstream(['c']))).toEqual({ a: 1, b: 1, e: 1, r1: 2, d: 2, r2: 2 });
        expect(await reach(tenant, upstream(['r1']))).toEqual({});
      });

      it('aggregates by depth, type and owner over every reached asset, and pages by qualified name', async () => {
        const tenant = await tenantWithGraph();
        const first = await store.impact(tenant, downstream(['r1'], 50, 2));
        expect(first).toEqual({
          total: 5,
          byDepth: [{ depth: 1, count: 3 }, { depth: 2, count: 2 }],
          byType: [{ typeName: 'Table', count: 3 }, { typeName: 'Dashboard', count: 2 }],
          owners: [{ owner: 'ann', assets: 2 }, { owner: 'bob', assets: 2 }],
          assets: [
            { qualifiedName: 'a', typeName: 'Table', depth: 1, owner: 'ann' },
            { qualifiedName: 'b', typeName: 'Table', depth: 1, owner: 'ann' },
          ],
          next: 'b',
        });
        const second = await store.impact(tenant, { ...downstream(['r1'], 50, 2), after: 'b' });
        expect(second.assets.map((a) => a.qualifiedName)).toEqual(['c', 'd']);
        expect(second.next).toBe('d');
        expect(second.total).toBe(5);
        const last = await store.impact(tenant, { ...downstream(['r1'], 50, 2), after: 'd' });
        expect(last.assets.map((a) => a.qualifiedName)).toEqual(['e']);
        expect(last.next).toBeNull();
      });

      it('pages in the order of the names\' UTF-8 bytes, the order its cursor compares in, across groups', async () => {
        const tenant = freshTenant();
        // U+FB01 sorts before U+1F600 by UTF-8 bytes (EF… < F0…) and after it by UTF-16 units (FB01 > D83D)
        const ligature = '\uFB01le';
        const emoji = '\u{1F600}';
        await store.apply(tenant, {
          assets: [asset('root'), asset(ligature, 1, { owner: 'ann' }), asset(emoji, 1, { typeName: 'Dashboard' }), asset('zeta')],
          edges: [edge('root', emoji), edge('root', ligature), edge(ligature, 'zeta')],
        });
        const pages: string[][] = [];
        let after: string | undefined;
        do {
          const page = await store.impact(tenant, { ...downstream(['root'], 50, 1), after });
          pages.push(page.assets.map((a) => a.qualifiedName));
          after = page.next ?? undefined;
        } while (after !== undefined);
        expect(pages).toEqual([['zeta'], [ligature], [emoji]]);
      });

      it('answers nothing for unknown roots', async () => {
        const tenant = await tenantWithGraph();
        expect(await store.impact(tenant, downstream(['nowhere']))).toEqual({ total: 0, byDepth: [], byType: [], owners: [], assets: [], next: null });
      });

      it('refuses a depth outside 1..50 and a limit outside 1..10000', async () => {
        const tenant = await tenantWithGraph();
        for (const maxDepth of [0, 51, 2.5]) {
          await expect(store.impact(tenant, downstream(['r1'], maxDepth))).rejects.toMatchObject({ kind: 'invalid', code: 'analytics_depth' });
        }
        await expect(store.impact(tenant, downstream(['r1'], 5, 0))).rejects.toBeInstanceOf(DomainError);
        await expect(store.blastRadius(tenant, 51)).rejects.toMatchObject({ kind: 'invalid', code: 'analytics_depth' });
      });
    });

    describe('the closure under change', () => {
      it('holds every pair once, at its shortest depth', async () => {
        const tenant = await tenantWithGraph();
        expect(await store.counts(tenant)).toEqual({ assets: 7, edges: 9, incidents: 0, incidentLinks: 0, closurePairs: 20 });
      });

      it('reports the rows and bytes on disk its tables hold, growing with what is applied', async () => {
        const closureOf = async () => (await store.diskUsage()).find((t) => t.table === 'closure_pairs') ?? { table: 'closure_pairs', rows: 0, bytes: 0 };
        const before = await closureOf();
        await tenantWithGraph();
        const after = await closureOf();
        expect(after.rows).toBeGreaterThanOrEqual(before.rows + 20);
        expect(after.bytes).toBeGreaterThan(before.bytes);
      });

      it('follows an edge removal: the skip edge gone, d and e move down', async () => {
        const tenant = await tenantWithGraph();
        await store.apply(tenant, { edges: [edge('r1', 'd', 2, false)] });
        expect(await reach(tenant, downstream(['r1']))).toEqual({ a: 1, b: 1, c: 2, d: 3, e: 4 });
        await store.apply(tenant, { edges: [edge('c', 'd', 3, false)] });
        expect(await reach(tenant, downstream(['r1']))).toEqual({ a: 1, b: 1, c: 2 });
        expect(await reach(tenant, upstream(['e']))).toEqual({ d: 1, r2: 1 });
        // and back
        await store.apply(tenant, { edges: [edge('r1', 'd', 4)] });
        expect(await reach(tenant, downstream(['r1']))).toEqual({ a: 1, b: 1, d: 1, c: 2, e: 2 });
      });

      it('follows an asset deleted and created again', async () => {
        const tenant = await tenantWithGraph();
        await store.apply(tenant, { assets: [asset('c', 2, { deleted: true })] });
        expect(await reach(tenant, downstream(['r1']))).toEqual({ a: 1, b: 1, d: 1, e: 2 });
        expect(await reach(tenant, downstream(['a']))).toEqual({});
        expect(await reach(tenant, downstream(['c']))).toEqual({});
        expect(await reach(tenant, upstream(['d']))).toEqual({ r1: 1 });
        await store.apply(tenant, { assets: [asset('c', 3, { owner: 'carl' })] });
        expect(await reach(tenant, downstream(['r1']))).toEqual({ a: 1, b: 1, d: 1, c: 2, e: 2 });
        expect((await store.impact(tenant, downstream(['a']))).owners).toEqual([{ owner: 'bob', assets: 1 }, { owner: 'carl', assets: 1 }]);
      });

      it('adds edges in one batch that chain through each other and shorten older paths', async () => {
        const tenant = freshTenant();
        const names = ['p', 'q', 'r', 's', 't', 'u', 'v'];
        await store.apply(tenant, { assets: names.map((n) => asset(n)), edges: [edge('p', 'q'), edge('q', 'r'), edge('r', 's'), edge('s', 't')] });
        // only additions: a shortcut p → s, and t → u → v, a path of two added edges
        await store.apply(tenant, { edges: [edge('u', 'v', 2), edge('p', 's', 2), edge('t', 'u', 2)] });
        expect(await reach(tenant, downstream(['p']))).toEqual({ q: 1, r: 2, s: 1, t: 2, u: 3, v: 4 });
        expect(await reach(tenant, upstream(['v']))).toEqual({ u: 1, t: 2, s: 3, p: 4, r: 4, q: 5 });
        expect(await reach(tenant, downstream(['r']))).toEqual({ s: 1, t: 2, u: 3, v: 4 });
        // the same additions again change nothing
        await store.apply(tenant, { edges: [edge('u', 'v', 3), edge('p', 's', 3), edge('t', 'u', 3)] });
        expect(await reach(tenant, downstream(['p']))).toEqual({ q: 1, r: 2, s: 1, t: 2, u: 3, v: 4 });
        expect((await store.counts(tenant)).closurePairs).toBe(6 + 5 + 4 + 3 + 2 + 1);
      });

      it('counts an edge only between live assets: an edge to an asset not yet known joins when the asset arrives', async () => {
        const tenant = freshTenant();
        await store.apply(tenant, { assets: [asset('x')], edges: [edge('x', 'y')] });
        expect(await reach(tenant, downstream(['x']))).toEqual({});
        await store.apply(tenant, { assets: [asset('y')] });
        expect(await reach(tenant, downstream(['x']))).toEqual({ y: 1 });
      });

      it('changes nothing when a batch is replayed or an older fact arrives late', async () => {
        const tenant = await tenantWithGraph();
        await store.apply(tenant, { edges: [edge('r1', 'd', 5, false)], assets: [asset('b', 5, { deleted: true })] });
        const before = { counts: await store.counts(tenant), r1: await reach(tenant, downstream(['r1'])) };
        expect(before.r1).toEqual({ a: 1, c: 2, d: 3, e: 4 });
        await store.apply(tenant, graph());
        await store.apply(tenant, { edges: [edge('r1', 'd', 5, false)], assets: [asset('b', 5, { deleted: true })] });
        await store.apply(tenant, { edges: [edge('r1', 'd', 4, true)], assets: [asset('b', 4)] });
        expect({ counts: await store.counts(tenant), r1: await reach(tenant, downstream(['r1'])) }).toEqual(before);
      });

      it('takes the newest of several versions of one fact in a batch, whatever their order', async () => {
        const tenant = await tenantWithGraph();
        await store.apply(tenant, { edges: [edge('r1', 'd', 7, false), edge('r1', 'd', 6, true)] });
        expect(await reach(tenant, downstream(['r1']))).toMatchObject({ d: 3 });
      });

      it('answers up to 50 hops on a long chain, deeper than the closure holds', async () => {
        const tenant = freshTenant();
        const names = Array.from({ length: 53 }, (_, i) => `n${String(i).padStart(2, '0')}`);
        await store.apply(tenant, { assets: names.map((n) => asset(n)), edges: names.slice(1).map((n, i) => edge(names[i], n)) });
        const answer = await store.impact(tenant, downstream(['n00'], 50, 1));
        expect(answer.total).toBe(50);
        expect(answer.byDepth.at(-1)).toEqual({ depth: 50, count: 1 });
        expect((await store.impact(tenant, downstream(['n00'], 8))).total).toBe(8);
        expect((await store.impact(tenant, upstream(['n52'], 13))).byDepth.at(-1)).toEqual({ depth: 13, count: 1 });
        await store.apply(tenant, { incidents: [{
          id: 'top', source: 's', type: 'freshness', severity: null, status: 'open', openedAt: new Date('2026-01-01T00:00:00Z'),
          acknowledgedAt: null, resolvedAt: null, assets: ['n00', 'n03'], version: 1,
        }] });
        // n01..n(3+depth), the incident's n03 left out, the chain ending at n52
        for (const [depth, assets] of [[1, 2], [5, 7], [10, 12], [49, 51], [50, 51]]) {
          expect(await store.blastRadius(tenant, depth)).toEqual([{ incidentId: 'top', assets }]);
        }
        // cutting the chain's start shortens nothing beyond it
        await store.apply(tenant, { edges: [edge('n00', 'n01', 2, false)] });
        expect((await store.impact(tenant, downstream(['n00']))).total).toBe(0);
        expect((await store.impact(tenant, downstream(['n01']))).total).toBe(50);
        expect((await store.impact(tenant, upstream(['n52']))).total).toBe(50);
      });
    });

    describe('reload', () => {
      /** impact from every asset, both ways, as deep as allowed, and the counts */
      async function everything(tenant: TenantId, names: string[]) {
        const answers: Record<string, unknown> = { counts: await store.counts(tenant) };
        for (const n of names) {
          answers[`${n}>`] = await reach(tenant, downstream([n]));
          answers[`${n}<`] = await reach(tenant, upstream([n]));
        }
        return answers;
      }

      it('gives the answers that applying the same facts batch by batch gives, and forgets what the tenant held', async () => {
        const names = ['r1', 'r2', 'a', 'b', 'c', 'd', 'e', 'x'];
        const pages: FactBatch[] = [
          { assets: graph().assets },
          { edges: GRAPH_EDGES.map(([from, to]) => edge(from, to)).slice(0, 5), incidents: [
            { id: 'i1', source: 's', type: 'freshness', severity: null, status: 'open', openedAt: new Date('2026-01-01T00:00:00Z'), acknowledgedAt: null, resolvedAt: null, assets: ['r1'], version: 1 },
          ] },
          { edges: [...GRAPH_EDGES.map(([from, to]) => edge(from, to)).slice(5), edge('e', 'x')], assets: [asset('c', 2, { deleted: true })] },
        ];
        const applied = freshTenant();
        for (const page of pages) await store.apply(applied, page);
        const reloaded = freshTenant();
        await store.apply(reloaded, { assets: [asset('stale'), asset('r1')], edges: [edge('stale', 'r1')] });
        await store.reload(reloaded, (async function* () { yield* pages; })());
        expect(await everything(reloaded, [...names, 'stale'])).toEqual(await everything(applied, [...names, 'stale']));
        expect(await store.blastRadius(reloaded, 50)).toEqual(await store.blastRadius(applied, 50));
        expect((await store.counts(reloaded)).closurePairs).toBeGreaterThan(0);
      });
    });

    describe('incidents on the lineage', () => {
      const at = (iso: string) => new Date(iso);
      const incident = (id: string, assets: string[], extra: Partial<IncidentFact> = {}): IncidentFact => ({
        id, source: 'montecarlo', type: 'freshness', severity: 'high', status: 'open',
        openedAt: at('2026-01-10T00:00:00Z'), acknowledgedAt: null, resolvedAt: null, assets, version: 1, ...extra,
      });
      async function tenantWithIncidents() {
        const tenant = await tenantWithGraph();
        await store.apply(tenant, {
          incidents: [
            incident('i1', ['r1']),
            incident('i2', ['c'], { openedAt: at('2025-12-01T00:00:00Z') }),
            incident('i3', ['r2'], { status: 'resolved', resolvedAt: at('2026-01-11T00:00:00Z') }),
          ],
        });
        return tenant;
      }

      it('blast radius: every open incident with the assets it reaches downstream, its own assets left out', async () => {
        const tenant = await tenantWithIncidents();
        expect(await store.blastRadius(tenant, 50)).toEqual([{ incidentId: 'i1', assets: 5 }, { incidentId: 'i2', assets: 2 }]);
        expect(await store.blastRadius(tenant, 1)).toEqual([{ incidentId: 'i1', assets: 3 }, { incidentId: 'i2', assets: 1 }]);
        // an incident on two assets counts an asset reached from both once
        await store.apply(tenant, { incidents: [incident('i4', ['a', 'b'])] });
        expect(await store.blastRadius(tenant, 50)).toContainEqual({ incidentId: 'i4', assets: 3 });
        // an open incident that reaches nothing is listed with 0
        await store.apply(tenant, { incidents: [incident('i5', ['nowhere'])] });
        expect(await store.blastRadius(tenant, 50)).toContainEqual({ incidentId: 'i5', assets: 0 });
      });

      it('blast radius equals the impact of the incident\'s assets', async () => {
        const tenant = await tenantWithIncidents();
        await store.apply(tenant, { incidents: [incident('i4', ['a', 'd'])] });
        const radius = new Map((await store.blastRadius(tenant, 2)).map((r) => [r.incidentId, r.assets]));
        expect(radius.get('i4')).toBe((await store.impact(tenant, downstream(['a', 'd'], 2))).total);
      });

      it('follows an incident resolved and its assets relinked', async () => {
        const tenant = await tenantWithIncidents();
        await store.apply(tenant, { incidents: [incident('i1', ['d'], { version: 2 }), incident('i2', ['c'], { version: 2, status: 'resolved', resolvedAt: at('2026-01-12T00:00:00Z') })] });
        expect(await store.blastRadius(tenant, 50)).toEqual([{ incidentId: 'i1', assets: 2 }]);
        expect((await store.counts(tenant)).incidentLinks).toBe(3);
        // the older version arriving late changes nothing
        await store.apply(tenant, { incidents: [incident('i1', ['r1'])] });
        expect(await store.blastRadius(tenant, 50)).toEqual([{ incidentId: 'i1', assets: 2 }]);
      });

      it('hotspots: assets ranked by open incidents upstream, then by incidents opened since', async () => {
        const tenant = await tenantWithIncidents();
        const since = at('2026-01-01T00:00:00Z');
        expect(await store.hotspots(tenant, { since, limit: 10 })).toEqual([
          { qualifiedName: 'd', upstreamOpenIncidents: 2, upstreamIncidents: 2 },
          { qualifiedName: 'e', upstreamOpenIncidents: 2, upstreamIncidents: 2 },
          { qualifiedName: 'c', upstreamOpenIncidents: 1, upstreamIncidents: 2 },
          { qualifiedName: 'a', upstreamOpenIncidents: 1, upstreamIncidents: 1 },
          { qualifiedName: 'b', upstreamOpenIncidents: 1, upstreamIncidents: 1 },
        ]);
        expect((await store.hotspots(tenant, { since, limit: 2 })).map((h) => h.qualifiedName)).toEqual(['d', 'e']);
      });
    });

    describe('incident trends and summary', () => {
      const at = (iso: string) => new Date(iso);
      async function tenantWithHistory() {
        const tenant = freshTenant();
        await store.apply(tenant, {
          incidents: [
            {
              id: 't1', source: 'montecarlo', type: 'freshness', severity: 'high', status: 'resolved', openedAt: at('2026-01-01T10:00:00Z'),
              acknowledgedAt: at('2026-01-01T10:30:00Z'), resolvedAt: at('2026-01-01T12:00:00Z'), assets: ['x', 'y'], version: 3,
            },
            {
              id: 't2', source: 'montecarlo', type: 'freshness', severity: null, status: 'open', openedAt: at('2026-01-02T09:00:00Z'),
              acknowledgedAt: null, resolvedAt: null, assets: ['x'], version: 4,
            },
            {
              id: 't3', source: 'soda', type: 'volume', severity: 'low', status: 'resolved', openedAt: at('2025-12-30T00:00:00Z'),
              acknowledgedAt: at('2025-12-30T01:00:00Z'), resolvedAt: at('2026-01-02T00:00:00Z'), assets: ['y'], version: 5,
            },
          ],
        });
        return tenant;
      }
      const range = { from: at('2026-01-01T00:00:00Z'), to: at('2026-01-03T00:00:00Z') };
      const day1 = at('2026-01-01T00:00:00Z');
      const day2 = at('2026-01-02T00:00:00Z');

      it('buckets opened, resolved and open at the bucket\'s end, per group', async () => {
        const tenant = await tenantWithHistory();
        expect(await store.incidentTrends(tenant, { ...range, granularity: 'day', groupBy: 'type' })).toEqual([
          { key: 'freshness', points: [{ time: day1, opened: 1, resolved: 1, openAtEnd: 0 }, { time: day2, opened: 1, resolved: 0, openAtEnd: 1 }] },
          // resolved at the first bucket's very end: still open then
          { key: 'volume', points: [{ time: day1, opened: 0, resolved: 0, openAtEnd: 1 }, { time: day2, opened: 0, resolved: 1, openAtEnd: 0 }] },
        ]);
      });

      it('groups by severity (none for none), source, status and asset', async () => {
        const tenant = await tenantWithHistory();
        const keys = async (groupBy: 'severity' | 'source' | 'status' | 'asset') =>
          Object.fromEntries((await store.incidentTrends(tenant, { ...range, granularity: 'day', groupBy })).map((s) => [s.key, s.points.map((p) => p.opened)]));
        expect(await keys('severity')).toEqual({ high: [1, 0], none: [0, 1], low: [0, 0] });
        expect(await keys('source')).toEqual({ montecarlo: [1, 1], soda: [0, 0] });
        expect(await keys('status')).toEqual({ open: [0, 1], resolved: [1, 0] });
        expect(await keys('asset')).toEqual({ x: [1, 1], y: [1, 0] });
      });

      it('buckets by hour and by ISO week (from Monday)', async () => {
        const tenant = await tenantWithHistory();
        const weeks = await store.incidentTrends(tenant, { ...range, granularity: 'week', groupBy: 'source' });
        expect(weeks.find((s) => s.key === 'montecarlo')!.points).toEqual([{ time: at('2025-12-29T00:00:00Z'), opened: 2, resolved: 1, openAtEnd: 1 }]);
        const hours = await store.incidentTrends(tenant, { from: at('2026-01-01T10:00:00Z'), to: at('2026-01-01T12:30:00Z'), granularity: 'hour', groupBy: 'type' });
        expect(hours.find((s) => s.key === 'freshness')!.points.map((p) => [p.time.toISOString(), p.opened, p.resolved, p.openAtEnd])).toEqual([
          ['2026-01-01T10:00:00.000Z', 1, 0, 1], ['2026-01-01T11:00:00.000Z', 0, 0, 1], ['2026-01-01T12:00:00.000Z', 0, 1, 0],
        ]);
      });

      it('refuses a range that does not run forward', async () => {
        const tenant = freshTenant();
        await expect(store.incidentTrends(tenant, { from: range.to, to: range.from, granularity: 'day', groupBy: 'type' }))
          .rejects.toMatchObject({ kind: 'invalid', code: 'analytics_range' });
        await expect(store.incidentSummary(tenant, { from: range.to, to: range.to })).rejects.toMatchObject({ code: 'analytics_range' });
      });

      it('summarises open now, opened and resolved in range, and mean times over incidents opened in range', async () => {
        const tenant = await tenantWithHistory();
        expect(await store.incidentSummary(tenant, range)).toEqual({
          openNow: 1, opened: 2, resolved: 2, meanSecondsToAcknowledge: 1800, meanSecondsToResolve: 7200,
        });
        expect(await store.incidentSummary(tenant, { from: at('2024-01-01T00:00:00Z'), to: at('2024-02-01T00:00:00Z') })).toEqual({
          openNow: 1, opened: 0, resolved: 0, meanSecondsToAcknowledge: null, meanSecondsToResolve: null,
        });
      });
    });

    describe('tenancy', () => {
      it('never answers one tenant with another\'s rows, for the same qualified names', async () => {
        const one = freshTenant();
        const other = freshTenant();
        await store.apply(one, { assets: [asset('x'), asset('y')], edges: [edge('x', 'y')], incidents: [
          { id: 'same', source: 's', type: 'freshness', severity: null, status: 'open', openedAt: new Date('2026-01-01T00:00:00Z'), acknowledgedAt: null, resolvedAt: null, assets: ['x'], version: 1 },
        ] });
        await store.apply(other, { assets: [asset('x'), asset('z', 1, { owner: 'zed' })], edges: [edge('x', 'z')] });
        expect(await reach(one, downstream(['x']))).toEqual({ y: 1 });
        expect(await reach(other, downstream(['x']))).toEqual({ z: 1 });
        expect(await reach(other, upstream(['y']))).toEqual({});
        expect(await store.blastRadius(one, 5)).toEqual([{ incidentId: 'same', assets: 1 }]);
        expect(await store.blastRadius(other, 5)).toEqual([]);
        expect(await store.hotspots(other, { since: new Date(0), limit: 10 })).toEqual([]);
        expect(await store.incidentSummary(other, { from: new Date(0), to: new Date('2030-01-01T00:00:00Z') })).toMatchObject({ openNow: 0, opened: 0 });
        expect(await store.incidentTrends(other, { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z'), granularity: 'day', groupBy: 'type' })).toEqual([]);
        expect(await store.counts(other)).toEqual({ assets: 2, edges: 1, incidents: 0, incidentLinks: 0, closurePairs: 1 });

        await store.reset(one);
        expect(await store.counts(one)).toEqual({ assets: 0, edges: 0, incidents: 0, incidentLinks: 0, closurePairs: 0 });
        expect(await store.counts(other)).toEqual({ assets: 2, edges: 1, incidents: 0, incidentLinks: 0, closurePairs: 1 });
        // a rebuild after the reset starts from nothing: its facts count again, whatever their versions
        await store.apply(one, { assets: [asset('x'), asset('y')], edges: [edge('x', 'y')] });
        expect(await reach(one, downstream(['x']))).toEqual({ y: 1 });
      });

      it('keeps a dedicated tenant\'s rows in its own database, still with its tenant id', async () => {
        const dedicated = freshTenant(DEDICATED_PREFIX);
        const pooled = freshTenant();
        await store.apply(dedicated, { assets: [asset('x'), asset('y')], edges: [edge('x', 'y')] });
        await store.apply(pooled, { assets: [asset('x')] });
        expect(await reach(dedicated, downstream(['x']))).toEqual({ y: 1 });
        const rows = (database: string, table: string) =>
          inspect<{ tenant_id: string; n: number }>(`SELECT tenant_id, toUInt32(count()) AS n FROM ${database}.${table} FINAL GROUP BY tenant_id ORDER BY tenant_id`);
        expect(await rows(DEDICATED_DATABASE, 'assets')).toEqual([{ tenant_id: dedicated, n: 2 }]);
        expect(await rows(DEDICATED_DATABASE, 'closure_pairs')).toEqual([{ tenant_id: dedicated, n: 1 }]);
        expect((await rows('tributary', 'assets')).map((r) => r.tenant_id)).not.toContain(dedicated);
        expect((await rows('tributary', 'assets')).map((r) => r.tenant_id)).toContain(pooled);
      });
    });

    describe('migrations', () => {
      it('are recorded once each, in order, in every database used, and running them again changes nothing', async () => {
        await store.migrate();
        await store.migrate();
        const ledger = (database: string) =>
          inspect<{ version: number; name: string }>(`SELECT version, name FROM ${database}.schema_migrations FINAL ORDER BY version`);
        const shared = await ledger('tributary');
        expect(shared.map((m) => m.version)).toEqual(shared.map((_, i) => i + 1));
        expect(shared.slice(0, 2)).toEqual([{ version: 1, name: 'facts' }, { version: 2, name: 'closure' }]);
        await store.counts(freshTenant(DEDICATED_PREFIX));
        expect(await ledger(DEDICATED_DATABASE)).toEqual(shared);
      });
    });
  });
}
