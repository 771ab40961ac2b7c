import { createHmac } from 'node:crypto';
import type { InboundDelivery } from '@tributary/contracts';
import { NormalizeError } from '../source-connector';
import { slackReplies } from './slack-replies';
import { SlackConfig } from './slack.target';

const INCIDENT = '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01';
const CONNECTOR = '5d0c5a3e-8a0e-4a52-9e1a-3c9a7f6b2d10';
const SECRET = 'slack-app-signing-secret';
const NOW = Date.parse('2026-12-03T10:00:00Z');
const config = SlackConfig.parse({ botToken: 'xoxb-1-2-abc', channel: '#incidents' });

/** A button click as Slack sends it: a form with the block_actions payload. */
function click(actions: Record<string, unknown>[]): string {
  return new URLSearchParams({ payload: JSON.stringify({
    type: 'block_actions', user: { id: 'U0001', username: 'ana' }, team: { id: 'T0001' },
    channel: { id: 'C0INCIDENTS' }, message: { ts: '1764756000.000100' }, response_url: 'https://hooks.slack.com/actions/T0001/1/x', actions,
  }) }).toString();
}
const button = (actionId: string, o: { value?: string; actionTs?: string } = {}) =>
  ({ type: 'button', block_id: 'b', action_id: actionId, value: o.value ?? INCIDENT, action_ts: o.actionTs ?? '1764756001.000200' });

const delivery = (body: string): InboundDelivery => ({
  id: 'c5a4f0a8-7d0e-4b7e-9f38-0e3f2b1d6a11', tenant: 'default', connectorId: CONNECTOR, connectorType: 'slack', via: 'webhook',
  receivedAt: new Date(NOW), contentType: 'application/x-www-form-urlencoded', body, traceparent: null,
});
const normalize = (body: string) => slackReplies.normalize(delivery(body), config);

describe('slackReplies', () => {
  describe('verify', () => {
    const body = click([button('tributary_resolve')]);
    const signed = (timestamp: number, secret = SECRET) => ({
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
    });

    it('takes a request signed with the app\'s signing secret; says stale past 5 minutes, invalid with another secret', () => {
      expect(slackReplies.verify(Buffer.from(body), signed(NOW / 1000), SECRET, NOW)).toBe('verified');
      expect(slackReplies.verify(Buffer.from(body), signed(NOW / 1000 - 301), SECRET, NOW)).toBe('stale');
      expect(slackReplies.verify(Buffer.from(body), signed(NOW / 1000, 'another'), SECRET, NOW)).toBe('invalid');
    });
  });

  describe('validate', () => {
    it('orders one incident\'s clicks by the button\'s value', () => {
      expect(slackReplies.validate(Buffer.from(click([button('tributary_resolve')])), 'application/x-www-form-urlencoded'))
        .toEqual({ ok: true, orderingKey: `value/${INCIDENT}` });
    });

    it('refuses a body that is no interactivity form (400) apart from a payload of another type (422)', () => {
      expect(slackReplies.validate(Buffer.from('{"type":"block_actions"}'), 'application/json'))
        .toMatchObject({ ok: false, malformed: { code: 'invalid_form' } });
      const submission = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', user: { id: 'U1' } }) }).toString();
      expect(slackReplies.validate(Buffer.from(submission), 'application/x-www-form-urlencoded'))
        .toEqual({ ok: false, issues: [{ path: 'payload', message: expect.stringMatching(/^the payload is not a block_actions payload/) }] });
    });
  });

  describe('the Acknowledge button', () => {
    it('sets the source status acknowledged and leaves the status as it is', () => {
      expect(normalize(click([button('tributary_acknowledge')]))).toEqual({
        replies: [{ incidentId: INCIDENT, fields: { rawStatus: 'acknowledged' }, deliveryKey: `slack:${CONNECTOR}:1764756001.000200:tributary_acknowledge` }],
      });
    });
  });

  describe('the Resolve button', () => {
    it('resolves the incident the button names', () => {
      expect(normalize(click([button('tributary_resolve')]))).toEqual({
        replies: [{ incidentId: INCIDENT, fields: { status: 'resolved' }, deliveryKey: `slack:${CONNECTOR}:1764756001.000200:tributary_resolve` }],
      });
    });

    it('is one key per click: another click on the same button is another observation', () => {
      const first = normalize(click([button('tributary_resolve')]));
      const second = normalize(click([button('tributary_resolve', { actionTs: '1764756099.000300' })]));
      expect(first).not.toEqual(second);
    });
  });

  describe('other actions', () => {
    it('keeps a click on a button not ours, or one without a value, as ignored', () => {
      expect(normalize(click([button('approve_request')]))).toEqual({
        ignored: { reason: 'unknown_action', action: 'approve_request', type: 'block_actions', version: null },
      });
      expect(normalize(click([{ type: 'button', action_id: 'tributary_resolve', action_ts: '1.2' }]))).toEqual({
        ignored: expect.objectContaining({ reason: 'unknown_action' }),
      });
    });

    it('throws NormalizeError for a logged body it cannot read (to the dead letters)', () => {
      expect(() => normalize('text=hello')).toThrow(NormalizeError);
    });
  });
});
