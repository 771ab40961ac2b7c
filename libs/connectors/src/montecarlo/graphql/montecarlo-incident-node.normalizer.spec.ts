import type { IncidentObservation } from '@tributary/contracts';
import { alertNode, incidentNode, tableMcon, warehouseTable } from '../../../../../test/support/montecarlo/montecarlo-graphql.factories';
import { MonteCarloGraphqlServer } from '../../../../../test/support/montecarlo/montecarlo-graphql.server';
import { localOutbound } from '../../../../../test/support/outbound';
import { MonteCarloGraphqlClient } from './montecarlo-graphql.client';
import {
  MonteCarloAlertNodeSchema,
  MonteCarloIncidentNodeSchema,
  type MonteCarloAlertNode,
  type MonteCarloIncidentNode,
} from './montecarlo-graphql.schema';
import { normalizeAlertNode, normalizeIncidentNode } from './montecarlo-incident-node.normalizer';

/** The catalog mapping of a configured connector: one Snowflake warehouse, upper-cased names. */
const mapTable = (ref: string): string | null => {
  const m = /^(\w+):(\w+)\.(\w+)$/.exec(ref);
  return m && m[1] !== 'unmapped' ? `snowflake/acme/${m[1]!.toUpperCase()}/${m[2]!.toUpperCase()}/${m[3]!.toUpperCase()}` : null;
};

// Nodes pass through the same schema the client validates with, as they would in production.
const incident = (overrides: Record<string, unknown> = {}): MonteCarloIncidentNode =>
  MonteCarloIncidentNodeSchema.parse(incidentNode(overrides));
const alert = (overrides: Record<string, unknown> = {}): MonteCarloAlertNode =>
  MonteCarloAlertNodeSchema.parse(alertNode(overrides));

describe(normalizeIncidentNode.name, () => {
  it('produces the full observation shape', () => {
    const node = incident({
      uuid: 'f83867b6-8f25-428b-807c-08518f63384c',
      incidentType: 'ANOMALIES',
      incidentSubTypes: ['freshness_anomaly'],
      feedback: 'INVESTIGATING',
      severity: 'SEV-2',
      owner: 'ana@example.com',
      createdTime: '2024-05-01T12:00:00.123456+00:00',
      updatedTime: '2024-05-01T13:30:00.5+00:00',
    });

    expect(normalizeIncidentNode(node, mapTable)).toEqual<IncidentObservation>({
      source: 'montecarlo',
      externalId: 'f83867b6-8f25-428b-807c-08518f63384c',
      type: 'freshness',
      rawType: 'ANOMALIES',
      severity: 'SEV-2',
      status: 'open',
      rawStatus: 'INVESTIGATING',
      title: null,
      url: null,
      owner: 'ana@example.com',
      tables: [{ ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' }],
      sourceTime: '2024-05-01T13:30:00.500Z',
      deliveryKey: 'montecarlo:f83867b6-8f25-428b-807c-08518f63384c:ANOMALIES:2024-05-01T13:30:00.500Z',
      // the whole state, but for the title and url an incident node does not carry
      statedFields: ['type', 'rawType', 'severity', 'status', 'rawStatus', 'owner', 'tables'],
    });
  });

  describe('kind', () => {
    it.each([
      ['ANOMALIES', ['freshness_anomaly'], 'freshness'],
      ['ANOMALIES', ['volume_anomaly'], 'volume'],
      ['SCHEMA_CHANGES', ['fields_added'], 'schema'],
      ['SCHEMA_CHANGES', ['fields_removed'], 'schema'],
      ['SCHEMA_CHANGES', ['fields_changed'], 'schema'],
      ['METRIC_ANOMALIES', ['field_metrics_anomaly'], 'field_health'],
      ['METRIC_ANOMALIES', ['dimension_anomaly'], 'dimension'],
      ['CUSTOM_RULE_ANOMALIES', ['sql_rule_breach'], 'custom_rule'],
      ['DBT_ERRORS', ['dbt_test_failure'], 'dbt'],
      ['DBT_ERRORS', ['dbt_model_error'], 'dbt'],
      ['ANOMALIES', ['unchanged_size'], 'volume'],
      ['CUSTOM_RULE_ANOMALIES', [], 'custom_rule'],
      ['DBT_ERRORS', null, 'dbt'],
      ['DELETED_TABLES', [], 'deleted_table'],
      ['METRIC_ANOMALIES', [], 'field_health'],
      ['PERFORMANCE_ANOMALIES', [], 'performance'],
      ['SCHEMA_CHANGES', [], 'schema'],
    ])('%s %j is %s', (incidentType, incidentSubTypes, type) => {
      const observation = normalizeIncidentNode(incident({ incidentType, incidentSubTypes }), mapTable);
      expect(observation).toMatchObject({ type, rawType: incidentType });
    });

    it('is other for an unknown type or sub-type, keeping the raw type', () => {
      expect(normalizeIncidentNode(incident({ incidentType: 'QUANTUM_ANOMALIES', incidentSubTypes: ['entanglement'] }), mapTable))
        .toMatchObject({ type: 'other', rawType: 'QUANTUM_ANOMALIES' });
      expect(normalizeIncidentNode(incident({ incidentType: 'ANOMALIES', incidentSubTypes: [] }), mapTable))
        .toMatchObject({ type: 'other', rawType: 'ANOMALIES' });
      expect(normalizeIncidentNode(incident({ incidentType: null, incidentSubTypes: null }), mapTable))
        .toMatchObject({ type: 'other', rawType: 'unknown' });
    });

    it('lets the first known sub-type decide when there are several', () => {
      const node = incident({ incidentType: 'ANOMALIES', incidentSubTypes: ['something_new', 'volume_anomaly', 'freshness_anomaly'] });
      expect(normalizeIncidentNode(node, mapTable).type).toBe('volume');
    });
  });

  describe('status', () => {
    it.each(['FIXED', 'EXPECTED', 'NO_ACTION_NEEDED', 'FALSE_POSITIVE', 'fixed', 'no_action_needed', 'No action needed', 'RESOLVED'])(
      'feedback %s resolves the incident, keeping the raw value',
      (feedback) => {
        expect(normalizeIncidentNode(incident({ feedback }), mapTable)).toMatchObject({ status: 'resolved', rawStatus: feedback });
      },
    );

    it.each(['INVESTIGATING', 'no_status', 'work_in_progress', 'ACKNOWLEDGED', 'HELPFUL'])('feedback %s leaves it open', (feedback) => {
      expect(normalizeIncidentNode(incident({ feedback }), mapTable)).toMatchObject({ status: 'open', rawStatus: feedback });
    });

    it('is open with no raw status when there is no feedback, and reads `status` when only that is present', () => {
      expect(normalizeIncidentNode(incident({ feedback: null }), mapTable)).toMatchObject({ status: 'open', rawStatus: null });
      expect(normalizeIncidentNode(incident({ feedback: null, status: 'fixed' }), mapTable)).toMatchObject({ status: 'resolved', rawStatus: 'fixed' });
    });
  });

  describe('severity', () => {
    it.each([
      ['SEV-1', 'SEV-1'], ['SEV-4', 'SEV-4'], ['sev_3', 'SEV-3'], ['SEV2', 'SEV-2'], ['Sev 2', 'SEV-2'], ['2', 'SEV-2'],
      [null, null], ['SEV-5', null], ['HIGH', null],
    ])('%s is %s', (severity, expected) => {
      expect(normalizeIncidentNode(incident({ severity }), mapTable).severity).toBe(expected);
    });
  });

  describe('tables', () => {
    it('lists every table the events touch, once each, in first-seen order', () => {
      const node = incident({ events: { edges: [
        { node: { table: warehouseTable('analytics:public.orders') } },
        { node: { table: warehouseTable('analytics:public.customers') } },
        { node: { table: warehouseTable('analytics:public.orders') } },
        { node: { table: null } },
        null,
      ] } });

      expect(normalizeIncidentNode(node, mapTable).tables).toEqual([
        { ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' },
        { ref: 'analytics:public.customers', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/CUSTOMERS' },
      ]);
    });

    it('keeps a table the mapping cannot place, with a null qualified name, under its MCON', () => {
      const node = incident({ events: { edges: [
        { node: { table: warehouseTable('unmapped:raw.clicks') } },
        { node: { table: warehouseTable('analytics:public.orders') } },
        { node: { table: { fullTableId: 'unmapped:raw.views', mcon: null } } },
      ] } });

      expect(normalizeIncidentNode(node, mapTable).tables).toEqual([
        { ref: tableMcon('unmapped:raw.clicks'), qualifiedName: null },
        { ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' },
        { ref: 'unmapped:raw.views', qualifiedName: null },
      ]);
    });

    it('maps by the MCON when only a resource-aware mapping can place the table', () => {
      const byMcon = (ref: string) => (ref.startsWith('MCON++') ? `warehouse-1/${ref.split('++').pop()}` : null);
      const node = incident({ events: [{ table: warehouseTable('analytics:public.orders') }] });

      expect(normalizeIncidentNode(node, byMcon).tables).toEqual([
        { ref: tableMcon('analytics:public.orders'), qualifiedName: 'warehouse-1/analytics:public.orders' },
      ]);
    });

    it('counts two refs that map to one asset as one table', () => {
      const node = incident({ events: [
        { table: { fullTableId: 'analytics:public.orders', mcon: null } },
        { table: { fullTableId: null, mcon: tableMcon('analytics:public.orders') } },
      ] });
      const sameAsset = (ref: string) => (ref.endsWith('analytics:public.orders') ? 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' : null);

      expect(normalizeIncidentNode(node, sameAsset).tables).toEqual([
        { ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' },
      ]);
    });

    it('falls back to the MCON when no full table id is given, and reads tables listed on the node', () => {
      const mapped: string[] = [];
      const node = incident({
        tables: [{ mcon: tableMcon('analytics:public.orders') }, 'analytics:public.items'],
        events: [{ table: { fullTableId: null, mcon: tableMcon('analytics:public.refunds') } }],
      });

      const tables = normalizeIncidentNode(node, (ref) => (mapped.push(ref), null)).tables;

      expect(tables.map((t) => t.ref)).toEqual([
        tableMcon('analytics:public.orders'), 'analytics:public.items', tableMcon('analytics:public.refunds'),
      ]);
      expect(mapped).toEqual(tables.map((t) => t.ref));
    });

    it('is empty for an incident bound to no table', () => {
      expect(normalizeIncidentNode(incident({ events: { edges: [] } }), mapTable).tables).toEqual([]);
    });
  });

  describe('source time and delivery key', () => {
    it('takes the latest of updatedTime, feedbackTime and createdTime, in canonical UTC', () => {
      const node = incident({
        createdTime: '2024-05-01T12:00:00+00:00',
        updatedTime: '2024-05-01T14:00:00+02:00', // 12:00Z
        feedbackTime: '2024-05-01T12:05:00.250000+00:00',
      });
      expect(normalizeIncidentNode(node, mapTable).sourceTime).toBe('2024-05-01T12:05:00.250Z');
      expect(normalizeIncidentNode(incident({ createdTime: '2024-05-01T12:00:00' }), mapTable).sourceTime).toBe('2024-05-01T12:00:00.000Z');
    });

    it('gives the same state the same key however the time is spelled, and a new state a new key', () => {
      const uuid = 'a3c5e7f9-0000-4000-8000-000000000001';
      const before = incident({ uuid, updatedTime: '2024-05-01T13:00:00.000000+00:00' });
      const same = incident({ uuid, updatedTime: '2024-05-01T13:00:00Z' });
      const later = incident({ uuid, updatedTime: '2024-05-01T13:00:01Z', feedback: 'FIXED' });

      expect(normalizeIncidentNode(same, mapTable).deliveryKey).toBe(normalizeIncidentNode(before, mapTable).deliveryKey);
      expect(normalizeIncidentNode(before, mapTable).deliveryKey).toBe(`montecarlo:${uuid}:ANOMALIES:2024-05-01T13:00:00.000Z`);
      expect(normalizeIncidentNode(later, mapTable).deliveryKey).not.toBe(normalizeIncidentNode(before, mapTable).deliveryKey);
    });

    it('keys a never-updated incident by a hash of its state, since every state shares the creation time', () => {
      const uuid = 'a3c5e7f9-0000-4000-8000-000000000002';
      const fresh = normalizeIncidentNode(incident({ uuid, createdTime: '2024-05-01T12:00:00Z', updatedTime: null }), mapTable);
      const reread = normalizeIncidentNode(incident({ uuid, createdTime: '2024-05-01T12:00:00Z', updatedTime: null }), mapTable);
      const owned = normalizeIncidentNode(incident({ uuid, createdTime: '2024-05-01T12:00:00Z', updatedTime: null, owner: 'bo@example.com' }), mapTable);

      expect(fresh.sourceTime).toBe('2024-05-01T12:00:00.000Z');
      expect(fresh.deliveryKey).toMatch(new RegExp(`^montecarlo:${uuid}:ANOMALIES:sha256:[0-9a-f]{64}$`));
      expect(reread.deliveryKey).toBe(fresh.deliveryKey);
      expect(owned.deliveryKey).not.toBe(fresh.deliveryKey);
    });

    it('falls back to a hash of the node when it carries no time at all', () => {
      const node = incident({ uuid: 'u-1', createdTime: null, updatedTime: null, feedbackTime: null });
      const observation = normalizeIncidentNode(node, mapTable);

      expect(observation.sourceTime).toBeNull();
      expect(observation.deliveryKey).toMatch(/^montecarlo:u-1:ANOMALIES:sha256:[0-9a-f]{64}$/);
      expect(normalizeIncidentNode(incident({ ...node }), mapTable).deliveryKey).toBe(observation.deliveryKey);
    });
  });

  it('normalizes what the client reads from the Monte Carlo server', async () => {
    const server = await MonteCarloGraphqlServer.start();
    try {
      server.incidents.push(incidentNode({ incidentType: 'SCHEMA_CHANGES', incidentSubTypes: ['fields_removed'], feedback: 'FIXED',
        createdTime: '2024-05-01T12:00:00Z', events: { edges: [
          { node: { table: warehouseTable('analytics:public.orders') } },
          { node: { table: warehouseTable('unmapped:raw.clicks') } }] } }));
      const client = new MonteCarloGraphqlClient({ endpoint: server.url, apiId: server.apiId, apiToken: server.apiToken, http: localOutbound() });

      const [observation] = (await client.incidentsPage({ since: '2024-05-01T00:00:00Z', first: 10 })).nodes
        .map((node) => normalizeIncidentNode(node, mapTable));

      expect(observation).toMatchObject({
        externalId: server.incidents[0]!.uuid, type: 'schema', status: 'resolved', rawStatus: 'FIXED',
        tables: [
          { ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' },
          { ref: tableMcon('unmapped:raw.clicks'), qualifiedName: null },
        ],
      });
    } finally {
      await server.stop();
    }
  });
});

describe(normalizeAlertNode.name, () => {
  it('produces the observation from an alert, with title, url and owner email', () => {
    const node = alert({
      uuid: 'b1b2b3b4-0000-4000-8000-000000000002', id: 'b1b2b3b4-0000-4000-8000-000000000002',
      title: 'Orders stopped arriving', url: 'https://getmontecarlo.com/alerts/b1b2',
      owner: { email: 'ana@example.com' }, severity: 'SEV-1', status: 'ACKNOWLEDGED',
      updatedTime: '2024-05-02T08:00:00Z',
      tables: [{ mcon: tableMcon('analytics:public.orders') }, { fullTableId: 'unmapped:raw.clicks', mcon: tableMcon('unmapped:raw.clicks') }],
    });

    expect(normalizeAlertNode(node, mapTable)).toEqual<IncidentObservation>({
      source: 'montecarlo',
      externalId: 'b1b2b3b4-0000-4000-8000-000000000002',
      type: 'volume',
      rawType: 'ANOMALIES',
      severity: 'SEV-1',
      status: 'open',
      rawStatus: 'ACKNOWLEDGED',
      title: 'Orders stopped arriving',
      url: 'https://getmontecarlo.com/alerts/b1b2',
      owner: 'ana@example.com',
      tables: [
        { ref: tableMcon('analytics:public.orders'), qualifiedName: null },
        { ref: tableMcon('unmapped:raw.clicks'), qualifiedName: null },
      ],
      sourceTime: '2024-05-02T08:00:00.000Z',
      deliveryKey: 'montecarlo:b1b2b3b4-0000-4000-8000-000000000002:ANOMALIES:2024-05-02T08:00:00.000Z',
      statedFields: ['type', 'rawType', 'severity', 'status', 'rawStatus', 'title', 'url', 'owner', 'tables'],
    });
  });

  it('reads the status from `status`, then from `feedback`', () => {
    expect(normalizeAlertNode(alert({ status: 'FALSE_POSITIVE', feedback: null }), mapTable)).toMatchObject({ status: 'resolved', rawStatus: 'FALSE_POSITIVE' });
    expect(normalizeAlertNode(alert({ status: null, feedback: 'EXPECTED' }), mapTable)).toMatchObject({ status: 'resolved', rawStatus: 'EXPECTED' });
    expect(normalizeAlertNode(alert({ status: null, feedback: null }), mapTable)).toMatchObject({ status: 'open', rawStatus: null });
  });

  it('uses `id` when the alert has no uuid, and classifies by sub-type, then type', () => {
    const node = alert({ uuid: null, id: 'alert-7', type: 'CUSTOM_RULE_ANOMALIES', subTypes: null });
    expect(normalizeAlertNode(node, mapTable)).toMatchObject({ externalId: 'alert-7', type: 'custom_rule', rawType: 'CUSTOM_RULE_ANOMALIES' });
    expect(normalizeAlertNode(alert({ type: 'freshness', subTypes: [] }), mapTable).type).toBe('freshness');
    expect(normalizeAlertNode(alert({ type: 'SOMETHING_ELSE', subTypes: ['novel'] }), mapTable)).toMatchObject({ type: 'other', rawType: 'SOMETHING_ELSE' });
  });

  it('is refused by the schema when it has neither uuid nor id', () => {
    expect(MonteCarloAlertNodeSchema.safeParse(alertNode({ uuid: null, id: null })).success).toBe(false);
  });
});
