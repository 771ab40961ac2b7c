import { normalizeMonteCarloWebhook } from './montecarlo-normalizer';
import { parseMonteCarloWebhook } from './montecarlo-webhook.schema';
import { TableMappingRule } from './table-mapping';

const ACCOUNT = '9a59c6f1-203a-4c72-8cd7-132db7f21b92';
const RESOURCE = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const INCIDENT = 'f83867b6-8f25-428b-807c-08518f63384c';
const RULES: TableMappingRule[] = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];

type Body = Record<string, unknown>;

/** A legacy v0.1 anomaly delivery on one table; overrides replace whole top-level or payload fields. */
function webhook(overrides: Body = {}, payload: Body = {}): Body {
  return {
    account: { id: ACCOUNT },
    action: 'incident',
    type: 'open_anomaly_incident',
    version: 'v0.1',
    payload: {
      incident_id: INCIDENT,
      url: `https://getmontecarlo.com/incidents/${INCIDENT}`,
      group_id: null,
      event_list: [event()],
      ...payload,
    },
    ...overrides,
  };
}

function event(overrides: Body = {}): Body {
  return { table_name: 'analytics:public.orders', event_details: 'Has 42 rows vs. 101 expected', ...overrides };
}

function customRuleEvent(overrides: Body = {}): Body {
  return {
    table_name: null,
    data: { hits: 3, rule_comparisons: [{ threshold: 0 }] },
    rule: { uuid: 'b1e5c1de-0000-4000-8000-000000000001', rule_type: 'custom_sql', description: 'Orders without a customer' },
    ...overrides,
  };
}

const mcon = (objectType: string, objectId: string) => `MCON++${ACCOUNT}++${RESOURCE}++${objectType}++${objectId}`;

/** Parses and normalizes a body sent as the given text (JSON.stringify of the body by default). */
function observe(body: Body, rules: TableMappingRule[] = RULES, text = JSON.stringify(body)) {
  const parsed = parseMonteCarloWebhook(JSON.parse(text));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return normalizeMonteCarloWebhook(parsed.value, Buffer.from(text, 'utf8'), rules);
}

/** The same value with keys in reverse order, indented: how another serializer might send it. */
function reserialize(body: Body): string {
  const reverse = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reverse)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)]))
        : v;
  return JSON.stringify(reverse(body), null, 2).replace(/é/g, '\\u00e9');
}

describe('normalizeMonteCarloWebhook', () => {
  describe('an open anomaly delivery', () => {
    it('becomes an open observation with the raw values kept', () => {
      expect(observe(webhook())).toEqual({
        source: 'montecarlo',
        externalId: INCIDENT,
        type: 'volume',
        rawType: 'open_anomaly_incident',
        severity: null,
        status: 'open',
        rawStatus: null,
        title: 'Has 42 rows vs. 101 expected',
        url: `https://getmontecarlo.com/incidents/${INCIDENT}`,
        owner: null,
        tables: [{ ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' }],
        sourceTime: null,
        deliveryKey: expect.stringMatching(new RegExp(`^montecarlo:${INCIDENT}:open_anomaly_incident:[0-9a-f]{64}$`)),
        // no feedback, severity or owner yet: a creation states what its events and url say
        statedFields: ['type', 'rawType', 'title', 'url', 'tables'],
      });
    });
  });

  describe('partial updates: only what the delivery carries is stated', () => {
    /** An update as the contract describes it: the incident id and the changed fields, no event list or url. */
    const updateBody = (fields: Body, type = 'open_anomaly_incident'): Body =>
      ({ account: { id: ACCOUNT }, action: 'incident', type, version: 'v0.1', payload: { incident_id: INCIDENT, ...fields } });
    const update = (fields: Body, type?: string) => observe(updateBody(fields, type));

    it('an owner-only update states the owner alone; the defaults it carries are not stated', () => {
      expect(update({ owner: 'dana@acme.io' })).toMatchObject({ owner: 'dana@acme.io', statedFields: ['owner'],
        type: 'other', title: 'Open anomaly incident', severity: null, tables: [] });
    });

    it('a severity update states the severity, and a null severity (unmarked) states it cleared', () => {
      expect(update({ declared_alert_severity: 'SEV-2' })).toMatchObject({ severity: 'SEV-2', statedFields: ['severity'] });
      expect(update({ declared_alert_severity: null })).toMatchObject({ severity: null, statedFields: ['severity'] });
      expect(observe({ ...updateBody({}), declared_alert_severity: null })).toMatchObject({ statedFields: ['severity'] });
    });

    it('a null owner or feedback states nothing: the contract gives null no "cleared" meaning for them', () => {
      expect(update({ owner: null, alert_feedback: null }).statedFields).toEqual([]);
      expect(update({ owner: '  ' }).statedFields).toEqual([]);
    });

    it('feedback states the raw status and the status', () => {
      expect(update({ alert_feedback: 'fixed' })).toMatchObject({ status: 'resolved', rawStatus: 'fixed', statedFields: ['status', 'rawStatus'] });
    });

    it('a type that resolves states the status alone', () => {
      expect(update({}, 'resolved_anomaly_incident')).toMatchObject({ status: 'resolved', statedFields: ['status'] });
    });

    it('a type naming a kind states the kind; a generic one needs events to say which', () => {
      expect(update({}, 'open_freshness_anomaly_incident')).toMatchObject({ type: 'freshness', statedFields: ['type', 'rawType'] });
      expect(update({ event_list: [] }).statedFields).toEqual(['type', 'rawType', 'tables']);
    });

    it('an event list states the tables and, when it has a sentence, the title', () => {
      expect(update({ event_list: [event()] }).statedFields).toEqual(['type', 'rawType', 'title', 'tables']);
    });

    it('the same fields at the top level are stated too', () => {
      expect(observe({ ...webhook({ owner: 'dana@acme.io', alert_feedback: 'expected' }) }).statedFields)
        .toEqual(['type', 'rawType', 'status', 'rawStatus', 'title', 'url', 'owner', 'tables']);
    });
  });

  describe('kind', () => {
    it.each([
      ['open_custom_rule_anomaly_incident', 'custom_rule'],
      ['open_freshness_anomaly_incident', 'freshness'],
      ['open_volume_anomaly_incident', 'volume'],
      ['open_size_diff_anomaly_incident', 'volume'],
      ['open_schema_change_incident', 'schema'],
      ['open_fields_removed_incident', 'schema'],
      ['open_field_health_anomaly_incident', 'field_health'],
      ['open_field_metrics_anomaly_incident', 'field_health'],
      ['open_dimension_anomaly_incident', 'dimension'],
      ['open_json_schema_change_incident', 'json_schema'],
      ['open_dbt_error_incident', 'dbt'],
      ['open_query_performance_anomaly_incident', 'performance'],
      ['open_deleted_table_incident', 'deleted_table'],
      ['CUSTOM_RULE_ANOMALIES', 'custom_rule'],
      ['SCHEMA_CHANGES', 'schema'],
      ['METRIC_ANOMALIES', 'field_health'],
      ['DBT_ERRORS', 'dbt'],
      ['DELETED_TABLES', 'deleted_table'],
      ['PERFORMANCE_ANOMALIES', 'performance'],
      ['sql_rule_breach', 'custom_rule'],
      ['dbt_test_failure', 'dbt'],
      ['OpenFreshnessAnomalyIncident', 'freshness'],
    ])('%s → %s', (type, kind) => {
      expect(observe(webhook({ type }))).toMatchObject({ type: kind, rawType: type });
    });
  });

  describe('the generic anomaly kind', () => {
    it('takes volume or freshness from the event wording', () => {
      expect(observe(webhook()).type).toBe('volume');
      const stale = webhook({}, { event_list: [event({ event_details: "Table hasn't been updated in 26 hours" })] });
      expect(observe(stale).type).toBe('freshness');
    });

    it('takes a rule type when an event has one', () => {
      expect(observe(webhook({}, { event_list: [customRuleEvent()] })).type).toBe('custom_rule');
    });

    it('is other when the events say nothing', () => {
      expect(observe(webhook({}, { event_list: [event({ event_details: 'Something looks off' })] })).type).toBe('other');
      expect(observe(webhook({}, { event_list: [] })).type).toBe('other');
    });
  });

  describe('unknown kinds', () => {
    it('are never rejected: type other, raw type kept', () => {
      for (const type of ['open_brand_new_monitor_incident', 'something else', 'x']) {
        expect(observe(webhook({ type }))).toMatchObject({ type: 'other', rawType: type });
      }
    });

    it('do not take a kind from the events', () => {
      expect(observe(webhook({ type: 'open_brand_new_monitor_incident' })).type).toBe('other');
    });
  });

  describe('status', () => {
    it.each([
      [null, 'open'],
      ['no_status', 'open'],
      ['investigating', 'open'],
      ['acknowledged', 'open'],
      ['work_in_progress', 'open'],
      ['Work In Progress', 'open'],
      ['fixed', 'resolved'],
      ['FIXED', 'resolved'],
      ['expected', 'resolved'],
      ['no_action_needed', 'resolved'],
      ['no-action-needed', 'resolved'],
      ['No Action Needed', 'resolved'],
      ['false_positive', 'resolved'],
      ['false positive', 'resolved'],
      ['False-Positive', 'resolved'],
      ['escalated_to_vendor', 'open'],
    ])('alert_feedback %p → %s, kept verbatim', (feedback, status) => {
      expect(observe(webhook({}, { alert_feedback: feedback }))).toMatchObject({ status, rawStatus: feedback });
    });

    it('is open with no feedback field at all', () => {
      expect(observe(webhook())).toMatchObject({ status: 'open', rawStatus: null });
    });

    it('is resolved when the raw type says resolved or closed', () => {
      expect(observe(webhook({ type: 'resolved_anomaly_incident' }))).toMatchObject({ status: 'resolved', rawStatus: null, type: 'volume' });
      expect(observe(webhook({ type: 'custom_rule_incident_closed' }, { alert_feedback: 'investigating' }))).toMatchObject({
        status: 'resolved', rawStatus: 'investigating', type: 'custom_rule',
      });
    });
  });

  describe('update fields', () => {
    const update = { alert_feedback: 'fixed', declared_alert_severity: 'SEV-2', owner: 'ana@example.com' };
    const expected = { status: 'resolved', rawStatus: 'fixed', severity: 'SEV-2', owner: 'ana@example.com' };

    it('are read inside the payload', () => {
      expect(observe(webhook({}, update))).toMatchObject(expected);
    });

    it('are read at the top level', () => {
      expect(observe(webhook(update))).toMatchObject(expected);
    });

    it('prefer the payload when both places carry a value', () => {
      expect(observe(webhook({ alert_feedback: 'investigating', owner: 'bo@example.com' }, update))).toMatchObject(expected);
    });

    it('take the other place when one is null', () => {
      const cleared = { alert_feedback: null, declared_alert_severity: null, owner: null };
      expect(observe(webhook(update, cleared))).toMatchObject(expected);
      expect(observe(webhook(cleared, update))).toMatchObject(expected);
    });
  });

  describe('severity', () => {
    it.each([
      ['SEV-1', 'SEV-1'], ['sev-2', 'SEV-2'], ['SEV_2', 'SEV-2'], ['Sev 3', 'SEV-3'], ['SEV4', 'SEV-4'], ['2', 'SEV-2'], [3, 'SEV-3'],
      ['SEV-5', null], ['high', null], [0, null], [null, null],
    ])('%p → %p', (raw, severity) => {
      expect(observe(webhook({}, { declared_alert_severity: raw })).severity).toBe(severity);
    });
  });

  describe('owner', () => {
    it('is trimmed, and blank is none', () => {
      expect(observe(webhook({}, { owner: '  ana@example.com ' })).owner).toBe('ana@example.com');
      expect(observe(webhook({}, { owner: '  ' })).owner).toBeNull();
    });
  });

  describe('title', () => {
    it("is the first event's details", () => {
      const events = [event({ event_details: null }), event({ event_details: 'Has 0 rows vs. 10 expected' }), event()];
      expect(observe(webhook({}, { event_list: events })).title).toBe('Has 0 rows vs. 10 expected');
    });

    it("is the rule's description for a custom rule", () => {
      expect(observe(webhook({ type: 'open_custom_rule_anomaly_incident' }, { event_list: [customRuleEvent()] })).title).toBe('Orders without a customer');
    });

    it('is the type in words when the events say nothing', () => {
      expect(observe(webhook({ type: 'open_custom_rule_anomaly_incident' }, { event_list: [] })).title).toBe('Open custom rule anomaly incident');
    });
  });

  describe('url', () => {
    it('is null when absent', () => {
      expect(observe(webhook({}, { url: undefined })).url).toBeNull();
    });
  });

  describe('tables', () => {
    it('lists every table of a multi-table incident once, in event order', () => {
      const events = [
        event({ table_name: 'analytics:public.orders' }),
        event({ table_name: 'analytics:public.customers' }),
        event({ table_name: 'analytics:public.orders' }),
        event({ table_name: 'raw:stripe.charges' }),
      ];
      expect(observe(webhook({}, { event_list: events })).tables).toEqual([
        { ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' },
        { ref: 'analytics:public.customers', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/CUSTOMERS' },
        { ref: 'raw:stripe.charges', qualifiedName: 'snowflake/acme/RAW/STRIPE/CHARGES' },
      ]);
    });

    it("reads a bare table name with the payload's group_id as its database:schema", () => {
      expect(observe(webhook({}, { group_id: 'zeus:ares', event_list: [event({ table_name: 'orders' }), event({ table_name: 'analytics:public.orders' })] })).tables)
        .toEqual([
          { ref: 'zeus:ares.orders', qualifiedName: 'snowflake/acme/ZEUS/ARES/ORDERS' },
          { ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' },
        ]);
    });

    it('keeps a bare table name unresolved when the group_id names no database:schema', () => {
      expect(observe(webhook({}, { group_id: null, event_list: [event({ table_name: 'orders' })] })).tables).toEqual([{ ref: 'orders', qualifiedName: null }]);
      expect(observe(webhook({}, { group_id: 'b2f9a3c4-0d1e-4f5a-9b8c-7d6e5f4a3b2c', event_list: [event({ table_name: 'orders' })] })).tables)
        .toEqual([{ ref: 'orders', qualifiedName: null }]);
    });

    it('is empty for a custom SQL rule bound to no table', () => {
      expect(observe(webhook({ type: 'open_custom_rule_anomaly_incident' }, { event_list: [customRuleEvent()] })).tables).toEqual([]);
    });

    it('reads MCONs, a field MCON as its table', () => {
      const events = [
        customRuleEvent({ mcon: mcon('table', 'analytics:public.orders') }),
        event({ table_name: null, mcon: mcon('field', 'analytics:public.customers+++email') }),
      ];
      expect(observe(webhook({}, { event_list: events })).tables).toEqual([
        { ref: mcon('table', 'analytics:public.orders'), qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' },
        { ref: mcon('field', 'analytics:public.customers+++email'), qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/CUSTOMERS' },
      ]);
    });

    it('counts a table id and its MCON, or two fields of one table, as one table', () => {
      const events = [
        event({ mcon: mcon('table', 'analytics:public.orders') }),
        event({ table_name: null, mcon: mcon('field', 'analytics:public.orders+++id') }),
        event({ table_name: null, mcon: mcon('field', 'analytics:public.orders+++total') }),
      ];
      expect(observe(webhook({}, { event_list: events })).tables).toEqual([
        { ref: 'analytics:public.orders', qualifiedName: 'snowflake/acme/ANALYTICS/PUBLIC/ORDERS' },
      ]);
    });

    it('keeps refs no rule maps, unresolved', () => {
      const rules: TableMappingRule[] = [{ match: { database: 'analytics' }, template: 'sf/{database}/{schema}/{table}' }];
      const events = [event({ table_name: 'analytics:public.orders' }), event({ table_name: 'raw:stripe.charges' }), event({ table_name: 'not-a-table-id' })];
      expect(observe(webhook({}, { event_list: events }), rules).tables).toEqual([
        { ref: 'analytics:public.orders', qualifiedName: 'sf/analytics/public/orders' },
        { ref: 'raw:stripe.charges', qualifiedName: null },
        { ref: 'not-a-table-id', qualifiedName: null },
      ]);
    });

    it("passes the delivery's account to the mapping", () => {
      const rules: TableMappingRule[] = [{ match: { account: ACCOUNT }, template: '{table}' }];
      expect(observe(webhook(), rules).tables).toEqual([{ ref: 'analytics:public.orders', qualifiedName: 'orders' }]);
      expect(observe(webhook({ account: { id: 'another' } }), rules).tables).toEqual([{ ref: 'analytics:public.orders', qualifiedName: null }]);
    });
  });

  describe('source time', () => {
    it('is null when the payload carries none (the documented case)', () => {
      expect(observe(webhook()).sourceTime).toBeNull();
    });

    it.each([
      [{ updated_time: '2024-05-01T14:00:00+02:00' }, '2024-05-01T12:00:00.000Z'],
      [{ updated_at: '2024-05-01T12:00:00.123456Z' }, '2024-05-01T12:00:00.123Z'],
      [{ event_time: '2024-05-01 12:00:00' }, '2024-05-01T12:00:00.000Z'],
      [{ timestamp: 1714564800 }, '2024-05-01T12:00:00.000Z'],
      [{ timestamp: 1714564800.5 }, '2024-05-01T12:00:00.500Z'],
      [{ timestamp: 1714564800123 }, '2024-05-01T12:00:00.123Z'],
      [{ timestamp: '1714564800' }, '2024-05-01T12:00:00.000Z'],
      [{ created_time: '2024-05-01T12:00:00-00:30' }, '2024-05-01T12:30:00.000Z'],
    ])('reads %p as %s', (times, sourceTime) => {
      expect(observe(webhook({}, times)).sourceTime).toBe(sourceTime);
    });

    it('reads a top-level timestamp', () => {
      expect(observe(webhook({ timestamp: '2024-05-01T12:00:00Z' })).sourceTime).toBe('2024-05-01T12:00:00.000Z');
    });

    it('prefers an update time over a creation time, and skips values it cannot read', () => {
      const times = { created_time: '2024-05-01T12:00:00Z', updated_time: 'yesterday', updated_at: '2024-05-02T08:00:00Z' };
      expect(observe(webhook({}, times)).sourceTime).toBe('2024-05-02T08:00:00.000Z');
    });

    it.each(['2024-02-30T00:00:00Z', '2024-05-01T25:00:00Z', 'May 1st', '', 0, -5])('ignores %p', (raw) => {
      expect(observe(webhook({}, { updated_time: raw })).sourceTime).toBeNull();
    });
  });

  describe('delivery key', () => {
    it('is the same for the same body re-serialized differently', () => {
      const body = webhook({}, { owner: 'José@example.com', event_list: [event(), customRuleEvent()] });
      const a = observe(body);
      const b = observe(body, RULES, reserialize(body));
      expect(reserialize(body)).not.toBe(JSON.stringify(body));
      expect(b.deliveryKey).toBe(a.deliveryKey);
    });

    it('changes when the feedback, owner or severity changes', () => {
      const keys = [
        webhook(),
        webhook({}, { alert_feedback: 'investigating' }),
        webhook({}, { alert_feedback: 'fixed' }),
        webhook({ alert_feedback: 'fixed' }),
        webhook({}, { owner: 'ana@example.com' }),
        webhook({}, { declared_alert_severity: 'SEV-1' }),
      ].map((body) => observe(body).deliveryKey);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('keeps every digit of big integers in the hash', () => {
      const text = (n: string) => JSON.stringify(webhook()).replace('"group_id":null', `"group_id":null,"seq":${n}`);
      const a = observe(webhook(), RULES, text('12345678901234567891'));
      const b = observe(webhook(), RULES, text('12345678901234567892'));
      expect(a.deliveryKey).not.toBe(b.deliveryKey);
    });

    it('is built from the incident, the raw type and an update time when there is one', () => {
      const observed = observe(webhook({ type: 'open_freshness_anomaly_incident' }, { updated_time: '2024-05-01T12:00:00Z', alert_feedback: 'fixed' }));
      expect(observed.deliveryKey).toBe(`montecarlo:${INCIDENT}:open_freshness_anomaly_incident:2024-05-01T12:00:00.000Z`);
    });

    it('hashes the body when the only time is the creation time, which every update shares', () => {
      const created = { created_time: '2024-05-01T12:00:00Z' };
      const open = observe(webhook({}, created));
      const fixed = observe(webhook({}, { ...created, alert_feedback: 'fixed' }));
      expect(open.sourceTime).toBe('2024-05-01T12:00:00.000Z');
      expect(open.deliveryKey).toMatch(/:[0-9a-f]{64}$/);
      expect(fixed.deliveryKey).not.toBe(open.deliveryKey);
    });
  });
});
