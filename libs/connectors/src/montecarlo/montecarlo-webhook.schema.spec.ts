import { classifyMonteCarloDelivery, parseMonteCarloWebhook } from './montecarlo-webhook.schema';

/** A legacy v0.1 volume anomaly delivery; overrides replace whole top-level fields. */
function webhook(overrides: Record<string, unknown> = {}, payload: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account: { id: '9a59c6f1-203a-4c72-8cd7-132db7f21b92' },
    action: 'incident',
    type: 'open_anomaly_incident',
    version: 'v0.1',
    payload: {
      incident_id: 'f83867b6-8f25-428b-807c-08518f63384c',
      url: 'https://getmontecarlo.com/incidents/f83867b6-8f25-428b-807c-08518f63384c',
      group_id: null,
      event_list: [{ table_name: 'analytics:public.orders', event_details: 'Has 42 rows vs. 101 expected' }],
      ...payload,
    },
    ...overrides,
  };
}

const issuesOf = (body: unknown) => {
  const parsed = parseMonteCarloWebhook(body);
  if (parsed.ok) throw new Error('expected the parse to fail');
  return parsed.issues;
};

describe('parseMonteCarloWebhook', () => {
  describe('the documented envelopes', () => {
    it('accepts an anomaly delivery', () => {
      const parsed = parseMonteCarloWebhook(webhook());
      expect(parsed).toMatchObject({ ok: true, value: { type: 'open_anomaly_incident', payload: { incident_id: 'f83867b6-8f25-428b-807c-08518f63384c' } } });
    });

    it('accepts a custom-rule delivery with a null table', () => {
      const event = { table_name: null, data: { hits: 3, rule_comparisons: [] }, rule: { uuid: 'r1', rule_type: 'custom_sql', description: 'Orders without customer' } };
      const parsed = parseMonteCarloWebhook(webhook({ type: 'open_custom_rule_anomaly_incident' }, { event_list: [event] }));
      expect(parsed.ok).toBe(true);
    });

    it('accepts a payload with no events at all', () => {
      expect(parseMonteCarloWebhook(webhook({}, { event_list: undefined })).ok).toBe(true);
      expect(parseMonteCarloWebhook(webhook({}, { event_list: null })).ok).toBe(true);
    });
  });

  describe('unknown fields', () => {
    it('are allowed at every level and kept', () => {
      const body = webhook({ delivered_by: 'mc' }, {
        priority: 1,
        event_list: [{ table_name: 'a:b.c', anomaly_score: 0.9, rule: { uuid: 'r', threshold: 3 } }],
      });
      const parsed = parseMonteCarloWebhook(body);
      expect(parsed).toMatchObject({ ok: true, value: { delivered_by: 'mc', payload: { priority: 1, event_list: [{ anomaly_score: 0.9, rule: { threshold: 3 } }] } } });
    });

    it('allow an unknown type and version', () => {
      expect(parseMonteCarloWebhook(webhook({ type: 'open_brand_new_kind_incident', version: 'v9' })).ok).toBe(true);
    });
  });

  describe('update fields', () => {
    const update = { alert_feedback: 'fixed', declared_alert_severity: 'SEV-2', owner: 'ana@example.com' };

    it('are accepted inside the payload', () => {
      expect(parseMonteCarloWebhook(webhook({}, update))).toMatchObject({ ok: true, value: { payload: update } });
    });

    it('are accepted at the top level', () => {
      expect(parseMonteCarloWebhook(webhook(update))).toMatchObject({ ok: true, value: update });
    });

    it('may be null', () => {
      const cleared = { alert_feedback: null, declared_alert_severity: null, owner: null };
      expect(parseMonteCarloWebhook(webhook(cleared, cleared)).ok).toBe(true);
    });

    it('must have the right type in either place', () => {
      expect(issuesOf(webhook({ owner: 42 }))).toEqual([{ path: 'owner', message: expect.any(String) }]);
      expect(issuesOf(webhook({}, { alert_feedback: ['fixed'] }))).toEqual([{ path: 'payload.alert_feedback', message: expect.any(String) }]);
      expect(issuesOf(webhook({}, { declared_alert_severity: true })).map((i) => i.path)).toEqual(['payload.declared_alert_severity']);
    });
  });

  describe('failures', () => {
    it('name the exact path of a wrong event field', () => {
      const body = webhook({}, { event_list: [{ table_name: 'a:b.c' }, { table_name: 7, mcon: false }] });
      expect(issuesOf(body).map((i) => i.path).sort()).toEqual(['payload.event_list[1].mcon', 'payload.event_list[1].table_name']);
    });

    it('require the incident id as a non-empty string', () => {
      expect(issuesOf(webhook({}, { incident_id: undefined })).map((i) => i.path)).toEqual(['payload.incident_id']);
      expect(issuesOf(webhook({}, { incident_id: 123 })).map((i) => i.path)).toEqual(['payload.incident_id']);
      expect(issuesOf(webhook({}, { incident_id: '' }))).toEqual([{ path: 'payload.incident_id', message: 'the incident id must not be empty' }]);
    });

    it('require the type and the payload', () => {
      expect(issuesOf(webhook({ type: undefined, payload: undefined })).map((i) => i.path).sort()).toEqual(['payload', 'type']);
    });

    it('reject wrong types on the envelope fields we read', () => {
      const body = webhook({ account: { id: 5 } }, { url: 3, event_list: {}, updated_time: false });
      expect(issuesOf(body).map((i) => i.path).sort()).toEqual(['account.id', 'payload.event_list', 'payload.updated_time', 'payload.url']);
      const rule = webhook({}, { event_list: [{ table_name: null, rule: { description: 1 } }] });
      expect(issuesOf(rule).map((i) => i.path)).toEqual(['payload.event_list[0].rule.description']);
    });

    it('report a body that is not an object at (body)', () => {
      expect(issuesOf('incident').map((i) => i.path)).toEqual(['(body)']);
      expect(issuesOf(null).map((i) => i.path)).toEqual(['(body)']);
    });
  });
});

describe('classifyMonteCarloDelivery', () => {
  const ignored = (reason: string, labels: Record<string, unknown> = {}) =>
    ({ kind: 'ignored', ignored: { reason, action: 'incident', type: 'open_anomaly_incident', version: 'v0.1', ...labels } });

  it('reads an incident of the legacy webhook, with or without action and version', () => {
    expect(classifyMonteCarloDelivery(webhook())).toMatchObject({ kind: 'incident', value: { type: 'open_anomaly_incident' } });
    expect(classifyMonteCarloDelivery(webhook({ action: undefined, version: undefined }))).toMatchObject({ kind: 'incident' });
    expect(classifyMonteCarloDelivery(webhook({ action: 'Incident', version: 'V0.1' }))).toMatchObject({ kind: 'incident' });
  });

  it('ignores another action, whatever its payload', () => {
    expect(classifyMonteCarloDelivery(webhook({ action: 'monitor', type: 'monitor_paused' })))
      .toEqual(ignored('not_an_incident', { action: 'monitor', type: 'monitor_paused' }));
    expect(classifyMonteCarloDelivery({ action: 'monitor', payload: 'anything' })).toEqual(ignored('not_an_incident', { action: 'monitor', type: null, version: null }));
  });

  it('ignores a payload version it does not read', () => {
    expect(classifyMonteCarloDelivery(webhook({ version: 'v2' }))).toEqual(ignored('unsupported_version', { version: 'v2' }));
  });

  it('ignores a body without an incident id', () => {
    expect(classifyMonteCarloDelivery({})).toEqual(ignored('no_incident_id', { action: null, type: null, version: null }));
    expect(classifyMonteCarloDelivery(webhook({}, { incident_id: null }))).toEqual(ignored('no_incident_id'));
    expect(classifyMonteCarloDelivery(webhook({ payload: null }))).toEqual(ignored('no_incident_id'));
    expect(classifyMonteCarloDelivery(webhook({ type: 42, payload: 'x' }))).toEqual(ignored('no_incident_id', { type: null }));
  });

  it('keeps at most 200 characters of the labels', () => {
    const long = 'm'.repeat(1000);
    expect(classifyMonteCarloDelivery({ action: long })).toMatchObject({ ignored: { action: 'm'.repeat(200) } });
  });

  it('refuses what is not a JSON object, a wrong-typed action or version, and a malformed incident', () => {
    const issues = (body: unknown) => {
      const classified = classifyMonteCarloDelivery(body);
      return classified.kind === 'invalid' ? classified.issues.map((i) => i.path) : classified.kind;
    };
    expect(issues([])).toEqual(['(body)']);
    expect(issues('incident')).toEqual(['(body)']);
    expect(issues(null)).toEqual(['(body)']);
    expect(issues(webhook({ action: 7 }))).toEqual(['action']);
    expect(issues(webhook({ version: 1 }))).toEqual(['version']);
    expect(issues(webhook({}, { incident_id: 42 }))).toEqual(['payload.incident_id']);
    expect(issues(webhook({}, { incident_id: '' }))).toEqual(['payload.incident_id']);
    expect(issues(webhook({ type: undefined }))).toEqual(['type']);
    expect(issues(webhook({}, { event_list: 'orders' }))).toEqual(['payload.event_list']);
  });
});
