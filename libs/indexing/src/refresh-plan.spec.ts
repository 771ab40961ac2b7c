import { randomUUID } from 'node:crypto';
import type { ChangeEventRecord } from '@tributary/contracts';
import { edgeKey, planRefresh } from './refresh-plan';

let sequence = 0;
/** A decoded change as the catalog writes it: its type, subject and data (API.md, "Change events"). */
const change = (type: string, subject: string, data: unknown, seq = ++sequence): ChangeEventRecord => ({
  id: randomUUID(), tenant: 'acme', sequence: seq, type, subject, time: new Date('2026-12-03T08:00:00Z'), origin: 'api', traceparent: null,
  data: typeof data === 'string' ? data : JSON.stringify(data),
});
const INCIDENT = '0190f1c2-7a3b-7c4d-8e5f-0123456789ab';

describe(planRefresh.name, () => {
  describe('asset changes', () => {
    it.each(['asset.created', 'asset.updated', 'asset.deleted'])('%s refreshes the asset named by its subject', (type) => {
      const plan = planRefresh([change(type, 'snowflake/acme/orders', { before: null, after: {}, version: 3 }, 41)]);
      expect(plan.assets).toEqual(new Map([['snowflake/acme/orders', 41]]));
      expect(plan.edges.size + plan.incidents.size).toBe(0);
    });

    it('a creation also refreshes the incidents that were waiting for the asset', () => {
      const plan = planRefresh([change('asset.created', 'late', { before: null, after: {}, version: 1 }, 7),
        change('asset.updated', 'other', { version: 2 }, 8)]);
      expect(plan.incidentsOnAssets).toEqual(new Map([['late', 7]]));
    });
  });

  describe('lineage changes', () => {
    it('an added edge is refreshed from data.after, a removed one from data.before', () => {
      const plan = planRefresh([
        change('lineage.edge.added', 'a', { before: null, after: { from: 'a', to: 'b', process: null } }, 10),
        change('lineage.edge.removed', 'c', { before: { from: 'c', to: 'd' }, after: null }, 11),
      ]);
      expect([...plan.edges.values()]).toEqual([{ from: 'a', to: 'b', version: 10 }, { from: 'c', to: 'd', version: 11 }]);
      expect(plan.assets.size).toBe(0);
    });

    it('keys an edge by both ends: a name with a separator in it cannot be taken for another pair', () => {
      expect(edgeKey('a/b', 'c')).not.toBe(edgeKey('a', 'b/c'));
      const plan = planRefresh([change('lineage.edge.added', 'a/b', { after: { from: 'a/b', to: 'c' } }),
        change('lineage.edge.added', 'a', { after: { from: 'a', to: 'b/c' } })]);
      expect(plan.edges.size).toBe(2);
    });
  });

  describe('incident changes', () => {
    it.each(['incident.opened', 'incident.updated', 'incident.resolved'])('%s refreshes the incident of data.incidentId', (type) => {
      const plan = planRefresh([change(type, 'orders', { incidentId: INCIDENT, assets: ['orders'], before: null, after: {} }, 5)]);
      expect(plan.incidents).toEqual(new Map([[INCIDENT, 5]]));
      expect(plan.assets.size).toBe(0);
    });
  });

  describe('changes that touch no fact', () => {
    it.each([
      ['asset.classification.added', { source: 'direct', before: null, after: { name: 'PII' }, version: 2 }],
      ['asset.classification.removed', { source: 'direct', before: { name: 'PII' }, after: null, version: 3 }],
      ['asset.health.changed', { before: null, after: { status: 'critical', openIncidents: 1 } }],
      ['a.type.from.the.future', {}],
    ])('%s plans nothing', (type, data) => {
      const plan = planRefresh([change(type, 'orders', data)]);
      expect([plan.assets, plan.edges, plan.incidents, plan.incidentsOnAssets].map((m) => m.size)).toEqual([0, 0, 0, 0]);
      expect(plan.rejected).toEqual([]);
    });
  });

  describe('versions', () => {
    it('each key carries the highest sequence among its changes, whatever their order in the batch (a redelivery)', () => {
      const plan = planRefresh([
        change('asset.updated', 'orders', {}, 30), change('asset.updated', 'orders', {}, 12), change('asset.created', 'orders', {}, 9),
        change('lineage.edge.added', 'a', { after: { from: 'a', to: 'b' } }, 20), change('lineage.edge.removed', 'a', { before: { from: 'a', to: 'b' } }, 18),
        change('incident.updated', 'x', { incidentId: INCIDENT }, 3), change('incident.resolved', 'x', { incidentId: INCIDENT.toUpperCase() }, 25),
      ]);
      expect(plan.assets).toEqual(new Map([['orders', 30]]));
      expect([...plan.edges.values()]).toEqual([{ from: 'a', to: 'b', version: 20 }]);
      expect(plan.incidents).toEqual(new Map([[INCIDENT, 25]]));
      expect(plan.incidentsOnAssets).toEqual(new Map([['orders', 9]]));
    });
  });

  describe('changes whose data does not say what they are about', () => {
    it.each([
      ['lineage.edge.added', { before: null, after: null }, 'lineage.edge.added without data.after.from and .to'],
      ['lineage.edge.removed', { before: { from: 'a' }, after: null }, 'lineage.edge.removed without data.before.from and .to'],
      ['lineage.edge.added', 'not json', 'lineage.edge.added without data.after.from and .to'],
      ['incident.opened', { assets: [] }, 'incident.opened without a UUID in data.incidentId'],
      ['incident.updated', { incidentId: "x' OR 1=1" }, 'incident.updated without a UUID in data.incidentId'],
    ])('%s with %j is rejected with its reason, and the rest of the batch is planned', (type, data, reason) => {
      const bad = change(type, 'a', data);
      const plan = planRefresh([bad, change('asset.updated', 'b', {}, 99)]);
      expect(plan.rejected).toEqual([{ event: bad, reason }]);
      expect(plan.assets).toEqual(new Map([['b', 99]]));
      expect(plan.edges.size + plan.incidents.size).toBe(0);
    });
  });
});
