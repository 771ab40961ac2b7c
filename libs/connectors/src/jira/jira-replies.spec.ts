import type { InboundDelivery } from '@tributary/contracts';
import { signJiraWebhook } from '../../../../test/support/fakes/jira-fake';
import { NormalizeError } from '../source-connector';
import { jiraReplies } from './jira-replies';
import { JiraConfig } from './jira.target';

const INCIDENT = '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01';
const CONNECTOR = '5d0c5a3e-8a0e-4a52-9e1a-3c9a7f6b2d10';
const config = JiraConfig.parse({ baseUrl: 'https://acme.atlassian.net', email: 'bot@acme.example', apiToken: 't', projectKey: 'OPS' });

const statusItem = (from: string, to: string) => ({ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '1', fromString: from, to: '2', toString: to });
const assigneeItem = { field: 'assignee', fieldtype: 'jira', fieldId: 'assignee', from: null, fromString: null, to: '557058:bo', toString: 'Bo Chen' };

/** A `jira:issue_updated` admin webhook, as Jira Cloud sends it, about issue OPS-1. */
function issueUpdated(o: { category?: string; labels?: string[]; assignee?: Record<string, unknown> | null; items?: unknown[];
  changelogId?: string | null; timestamp?: number | null; event?: string } = {}): Record<string, unknown> {
  return {
    ...(o.timestamp === null ? {} : { timestamp: o.timestamp ?? 1764755400000 }),
    webhookEvent: o.event ?? 'jira:issue_updated',
    issue_event_type_name: 'issue_generic',
    user: { accountId: '557058:ana', displayName: 'Ana Lima' },
    issue: {
      id: '10001', key: 'OPS-1',
      fields: {
        labels: o.labels ?? ['tributary', `tributary-incident-${INCIDENT}`],
        status: { name: 'Done', statusCategory: { key: o.category ?? 'done' } },
        assignee: o.assignee ?? null,
      },
    },
    ...(o.changelogId === null ? {} : { changelog: { id: o.changelogId ?? '10203', items: o.items ?? [statusItem('To Do', 'Done')] } }),
  };
}

const delivery = (body: unknown, id = 'c5a4f0a8-7d0e-4b7e-9f38-0e3f2b1d6a11'): InboundDelivery => ({
  id, tenant: 'default', connectorId: CONNECTOR, connectorType: 'jira', via: 'webhook', receivedAt: new Date('2026-12-03T10:00:00Z'),
  contentType: 'application/json', body: typeof body === 'string' ? body : JSON.stringify(body), traceparent: null,
});
const normalize = (body: unknown) => jiraReplies.normalize(delivery(body), config);

describe('jiraReplies', () => {
  describe('verify', () => {
    const body = Buffer.from(JSON.stringify(issueUpdated()));

    it('takes a body signed X-Hub-Signature with the signing secret, and nothing else', () => {
      expect(jiraReplies.verify(body, { 'x-hub-signature': signJiraWebhook(body, 'hook-secret') }, 'hook-secret', Date.now())).toBe('verified');
      expect(jiraReplies.verify(body, { 'x-hub-signature': signJiraWebhook(body, 'another-secret') }, 'hook-secret', Date.now())).toBe('invalid');
      expect(jiraReplies.verify(body, {}, 'hook-secret', Date.now())).toBe('invalid');
    });
  });

  describe('validate', () => {
    it('orders an issue\'s events by the issue', () => {
      expect(jiraReplies.validate(Buffer.from(JSON.stringify(issueUpdated())), 'application/json')).toEqual({ ok: true, orderingKey: 'issue/10001' });
    });

    it('refuses a body that is not JSON (400) apart from one of the wrong shape (422)', () => {
      expect(jiraReplies.validate(Buffer.from('{"webhookEvent":'), 'application/json')).toMatchObject({ ok: false, malformed: { code: 'invalid_json' } });
      expect(jiraReplies.validate(Buffer.from('{"webhookEvent":"jira:issue_updated"}'), 'application/json'))
        .toEqual({ ok: false, issues: [{ path: 'issue', message: expect.any(String) }] });
    });
  });

  describe('a transition to Done', () => {
    it('resolves the incident the issue\'s label names, and only states the status', () => {
      expect(normalize(issueUpdated())).toEqual({
        replies: [{ incidentId: INCIDENT, fields: { status: 'resolved' }, deliveryKey: `jira:${CONNECTOR}:10001:10203` }],
      });
    });
  });

  describe('a reopen', () => {
    it('states open for a transition out of done', () => {
      const reopen = issueUpdated({ category: 'new', items: [statusItem('Done', 'To Do')] });
      expect(normalize(reopen)).toEqual({ replies: [expect.objectContaining({ incidentId: INCIDENT, fields: { status: 'open' } })] });
    });

    it('states nothing for a status of no known category', () => {
      expect(normalize(issueUpdated({ category: 'undefined' }))).toEqual({ ignored: expect.objectContaining({ reason: 'no_change' }) });
    });
  });

  describe('an assignee change', () => {
    it('makes the assignee the owner, by email where Jira shows it, else by display name', () => {
      const byEmail = issueUpdated({ items: [assigneeItem], assignee: { accountId: '557058:bo', displayName: 'Bo Chen', emailAddress: 'bo@acme.example' } });
      expect(normalize(byEmail)).toEqual({ replies: [expect.objectContaining({ fields: { owner: 'bo@acme.example' } })] });
      const byName = issueUpdated({ items: [assigneeItem], assignee: { accountId: '557058:bo', displayName: 'Bo Chen' } });
      expect(normalize(byName)).toEqual({ replies: [expect.objectContaining({ fields: { owner: 'Bo Chen' } })] });
    });

    it('states nothing for an unassignment: the owner before is not known here', () => {
      expect(normalize(issueUpdated({ items: [assigneeItem], assignee: null }))).toEqual({ ignored: expect.objectContaining({ reason: 'no_change' }) });
    });

    it('states both when one change moved the issue and assigned it', () => {
      const both = issueUpdated({ items: [statusItem('To Do', 'Done'), assigneeItem], assignee: { accountId: '557058:bo', displayName: 'Bo Chen' } });
      expect(normalize(both)).toEqual({ replies: [expect.objectContaining({ fields: { status: 'resolved', owner: 'Bo Chen' } })] });
    });
  });

  describe('events that change nothing', () => {
    it('keeps an issue without our label as ignored, not_ours', () => {
      expect(normalize(issueUpdated({ labels: ['tributary'] }))).toEqual({
        ignored: { reason: 'not_ours', action: 'jira:issue_updated', type: null, version: null },
      });
    });

    it('keeps an event about something other than an issue\'s fields as ignored', () => {
      expect(normalize({ webhookEvent: 'comment_created', comment: { id: '1' } })).toEqual({
        ignored: { reason: 'not_an_issue_change', action: 'comment_created', type: null, version: null },
      });
    });

    it('keeps as ignored an issue change of another field, and the issue\'s creation (no changelog)', () => {
      expect(normalize(issueUpdated({ items: [{ field: 'summary' }] }))).toEqual({ ignored: expect.objectContaining({ reason: 'no_change' }) });
      expect(normalize(issueUpdated({ event: 'jira:issue_created', changelogId: null }))).toEqual({ ignored: expect.objectContaining({ reason: 'no_change' }) });
    });

    it('throws NormalizeError for a logged body it cannot read (to the dead letters)', () => {
      expect(() => normalize('not json')).toThrow(NormalizeError);
      expect(() => normalize({ webhookEvent: 'jira:issue_updated' })).toThrow(NormalizeError);
    });
  });

  describe('delivery keys', () => {
    it('name one change: the same changelog twice is one key, another changelog another', () => {
      const key = (body: unknown) => (normalize(body) as { replies: { deliveryKey: string }[] }).replies[0]!.deliveryKey;
      expect(key(issueUpdated({ timestamp: 1 }))).toBe(key(issueUpdated({ timestamp: 2 })));
      expect(key(issueUpdated({ changelogId: '10204' }))).not.toBe(key(issueUpdated()));
    });
  });
});
