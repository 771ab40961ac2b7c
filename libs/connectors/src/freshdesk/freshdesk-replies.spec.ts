import type { InboundDelivery } from '@tributary/contracts';
import { NormalizeError } from '../source-connector';
import { freshdeskReplies } from './freshdesk-replies';
import { FreshdeskConfig } from './freshdesk.target';

const INCIDENT = '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01';
const TAG = `tributary-incident-${INCIDENT}`;
const CONNECTOR = '5d0c5a3e-8a0e-4a52-9e1a-3c9a7f6b2d10';
const SECRET = 'freshdesk-webhook-secret-0123456789';
const config = FreshdeskConfig.parse({ domain: 'acme', apiKey: 'k', requesterEmail: 'data-alerts@example.com' });

/** The documented template, as Freshdesk renders it for a ticket: the status a label, the tags comma-separated. */
const rendered = (o: Record<string, unknown> = {}) => ({
  ticket_id: 42, ticket_status: 'Resolved', ticket_tags: `tributary, ${TAG}`, ticket_agent_email: '', ...o,
});

const delivery = (body: unknown, id = 'c5a4f0a8-7d0e-4b7e-9f38-0e3f2b1d6a11'): InboundDelivery => ({
  id, tenant: 'default', connectorId: CONNECTOR, connectorType: 'freshdesk', via: 'webhook', receivedAt: new Date('2026-12-03T10:00:00Z'),
  contentType: 'application/json', body: typeof body === 'string' ? body : JSON.stringify(body), traceparent: null,
});
const normalize = (body: unknown) => freshdeskReplies.normalize(delivery(body), config);
const fieldsOf = (body: unknown) => {
  const normalized = normalize(body);
  if (!('replies' in normalized)) throw new Error(`expected replies, got ${JSON.stringify(normalized)}`);
  return normalized.replies[0]!.fields;
};

describe('freshdeskReplies', () => {
  describe('verify', () => {
    const body = Buffer.from('{}');
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const verify = (headers: Record<string, string | string[]>) => freshdeskReplies.verify(body, headers, SECRET, Date.now());

    it('takes the signing secret in X-Tributary-Secret, or as the Basic auth password whatever the user', () => {
      expect(verify({ 'x-tributary-secret': SECRET })).toBe('verified');
      expect(verify({ authorization: basic('tributary', SECRET) })).toBe('verified');
      expect(verify({ authorization: basic('', SECRET) })).toBe('verified');
      expect(verify({ 'x-tributary-secret': SECRET, authorization: basic('tributary', SECRET) })).toBe('verified');
    });

    it('refuses no secret, a wrong one, or a wrong one beside a right one', () => {
      expect(verify({})).toBe('invalid');
      expect(verify({ 'x-tributary-secret': `${SECRET}x` })).toBe('invalid');
      expect(verify({ 'x-tributary-secret': SECRET.slice(0, -1) })).toBe('invalid');
      expect(verify({ authorization: basic(SECRET, 'X') })).toBe('invalid');
      expect(verify({ authorization: `Bearer ${SECRET}` })).toBe('invalid');
      expect(verify({ authorization: 'Basic not-base64!' })).toBe('invalid');
      expect(verify({ 'x-tributary-secret': SECRET, authorization: basic('tributary', 'wrong') })).toBe('invalid');
      expect(verify({ 'x-tributary-secret': [SECRET, SECRET] })).toBe('invalid');
    });

    it('verifies nothing with an empty secret', () => {
      expect(freshdeskReplies.verify(body, { 'x-tributary-secret': '' }, '', Date.now())).toBe('invalid');
    });
  });

  describe('validate', () => {
    const validate = (text: string) => freshdeskReplies.validate(Buffer.from(text), 'application/json');

    it('orders a ticket\'s events by the ticket', () => {
      expect(validate(JSON.stringify(rendered()))).toEqual({ ok: true, orderingKey: 'ticket/42' });
      expect(validate(JSON.stringify({ freshdesk_webhook: rendered({ ticket_id: '42' }) }))).toEqual({ ok: true, orderingKey: 'ticket/42' });
    });

    it('refuses a body that is not JSON (400), and one without a ticket id, naming the field (422)', () => {
      expect(validate('ticket_id=42')).toMatchObject({ ok: false, malformed: { code: 'invalid_json' } });
      expect(validate(JSON.stringify({ ticket_status: 4 }))).toEqual({ ok: false, issues: [{ path: 'ticket_id', message: expect.any(String) }] });
      expect(validate(JSON.stringify({ freshdesk_webhook: { ticket_id: 'abc' } })))
        .toEqual({ ok: false, issues: [{ path: 'freshdesk_webhook.ticket_id', message: expect.any(String) }] });
    });
  });

  describe('the status', () => {
    it.each([4, 5, '4', 'Resolved', 'Closed', ' closed '])('resolves the incident for %p', (status) => {
      expect(fieldsOf(rendered({ ticket_status: status }))).toEqual({ status: 'resolved' });
    });

    it.each([2, 3, 'Open', 'Pending', 'PENDING'])('states open for %p (a reopen when the incident is resolved)', (status) => {
      expect(fieldsOf(rendered({ ticket_status: status }))).toEqual({ status: 'open' });
    });

    it.each([6, 'Waiting on Customer', '', null])('states no status for %p: an account\'s own statuses are its to read', (status) => {
      expect(normalize(rendered({ ticket_status: status }))).toEqual({ ignored: { reason: 'no_change', action: null, type: null, version: null } });
    });
  });

  describe('the agent', () => {
    it('makes the agent\'s email the owner; an unassigned ticket (empty placeholder) states none', () => {
      expect(fieldsOf(rendered({ ticket_agent_email: ' bo@acme.example ' }))).toEqual({ status: 'resolved', owner: 'bo@acme.example' });
      expect(fieldsOf(rendered({ ticket_status: 6, ticket_agent_email: 'bo@acme.example' }))).toEqual({ owner: 'bo@acme.example' });
    });
  });

  describe('the forms a template can take', () => {
    it('reads the legacy freshdesk_webhook wrapper', () => {
      expect(normalize({ freshdesk_webhook: rendered() })).toEqual({ replies: [expect.objectContaining({ incidentId: INCIDENT, fields: { status: 'resolved' } })] });
    });

    it('reads the tags as a list or as comma-separated text', () => {
      expect(normalize(rendered({ ticket_tags: ['tributary', TAG] }))).toEqual({ replies: [expect.objectContaining({ incidentId: INCIDENT })] });
      expect(normalize(rendered({ ticket_tags: `${TAG},tributary` }))).toEqual({ replies: [expect.objectContaining({ incidentId: INCIDENT })] });
    });

    it('keeps a ticket without our tag as ignored, not_ours', () => {
      expect(normalize(rendered({ ticket_tags: 'tributary, billing' }))).toEqual({ ignored: { reason: 'not_ours', action: null, type: null, version: null } });
      expect(normalize(rendered({ ticket_tags: [] }))).toEqual({ ignored: expect.objectContaining({ reason: 'not_ours' }) });
      expect(normalize(rendered({ ticket_tags: undefined }))).toEqual({ ignored: expect.objectContaining({ reason: 'not_ours' }) });
    });

    it('throws NormalizeError for a logged body it cannot read (to the dead letters)', () => {
      expect(() => normalize('not json')).toThrow(NormalizeError);
      expect(() => normalize({ ticket_status: 4 })).toThrow(NormalizeError);
    });
  });

  describe('delivery keys', () => {
    it('are one per logged request: the same state sent again later (resolved, reopened, resolved) is not a redelivery', () => {
      const keyOf = (id: string) => (freshdeskReplies.normalize(delivery(rendered(), id), config) as { replies: { deliveryKey: string }[] }).replies[0]!.deliveryKey;
      const first = keyOf('c5a4f0a8-7d0e-4b7e-9f38-0e3f2b1d6a11');
      expect(first).toBe(`freshdesk:${CONNECTOR}:42:c5a4f0a8-7d0e-4b7e-9f38-0e3f2b1d6a11`);
      expect(keyOf('7a1b2c3d-0000-4000-8000-000000000001')).not.toBe(first);
    });
  });
});
