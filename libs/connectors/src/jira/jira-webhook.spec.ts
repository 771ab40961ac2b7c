import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JiraFake, startJiraFake } from '../../../../test/support/fakes/jira-fake';
import { incidentNotice, fakeOutbound } from '../target-connector.contract';
import { verifyJiraSignature } from './jira-signature';
import { JiraIssueChange, parseJiraWebhook } from './jira-webhook';
import { jiraTarget } from './jira.target';

const INCIDENT = '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01';

/** A `jira:issue_updated` body as third-party captures of Jira Cloud show it, with the given status, assignee and changelog. */
function issueUpdated(o: {
  status?: { name: string; category: string } | null;
  assignee?: Record<string, unknown> | null;
  items?: Record<string, unknown>[];
  event?: string;
} = {}): Record<string, unknown> {
  const status = o.status === undefined ? { name: 'Done', category: 'done' } : o.status;
  return {
    timestamp: 1764755400000,
    webhookEvent: o.event ?? 'jira:issue_updated',
    issue_event_type_name: 'issue_generic',
    user: { self: 'https://acme.atlassian.net/rest/api/2/user?accountId=557058:ana', accountId: '557058:ana', displayName: 'Ana Lima', active: true, timeZone: 'Europe/Lisbon' },
    issue: {
      id: '10001',
      self: 'https://acme.atlassian.net/rest/api/2/10001',
      key: 'OPS-1',
      fields: {
        summary: '[SEV-1] Freshness anomaly on ORDERS',
        labels: ['tributary', `tributary-incident-${INCIDENT}`],
        status: status && {
          self: 'https://acme.atlassian.net/rest/api/2/status/10001', description: '', iconUrl: 'https://acme.atlassian.net/', name: status.name, id: '10001',
          statusCategory: { self: 'https://acme.atlassian.net/rest/api/2/statuscategory/3', id: 3, key: status.category, colorName: 'green', name: status.name },
        },
        assignee: o.assignee === undefined ? null : o.assignee,
        customfield_10020: null,
        priority: { name: 'Highest', id: '1' },
      },
    },
    changelog: {
      id: '10203',
      items: o.items ?? [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '10000', fromString: 'To Do', to: '10001', toString: 'Done' }],
    },
  };
}

const issueOf = (body: unknown): JiraIssueChange => {
  const parsed = parseJiraWebhook(body);
  if (parsed.kind !== 'issue') throw new Error(`expected an issue event, got ${JSON.stringify(parsed)}`);
  return parsed.value;
};

describe(parseJiraWebhook.name, () => {
  describe('a transition to Done', () => {
    it('yields the issue, its done category and status, and the status change', () => {
      expect(issueOf(issueUpdated())).toEqual({
        event: 'jira:issue_updated', issueKey: 'OPS-1', issueId: '10001', incidentId: INCIDENT,
        statusCategory: 'done', statusName: 'Done', assignee: null, changedFields: ['status'], changelogId: '10203', at: new Date(1764755400000),
      });
    });
  });

  describe('a reopen', () => {
    it('yields the status category new, and the status change', () => {
      const reopen = issueUpdated({
        status: { name: 'To Do', category: 'new' },
        items: [
          { field: 'resolution', fieldtype: 'jira', fieldId: 'resolution', from: '10000', fromString: 'Done', to: null, toString: null },
          { field: 'status', fieldtype: 'jira', fieldId: 'status', from: '10001', fromString: 'Done', to: '10000', toString: 'To Do' },
        ],
      });
      expect(issueOf(reopen)).toMatchObject({ statusCategory: 'new', statusName: 'To Do', changedFields: ['resolution', 'status'] });
    });
  });

  describe('an assignee change', () => {
    const change = [{ field: 'assignee', fieldtype: 'jira', fieldId: 'assignee', from: null, fromString: null, to: '557058:bo', toString: 'Bo Chen' }];

    it('names the assignee by email where Jira shows it, else display name, else account id', () => {
      const assignee = (a: Record<string, unknown>) => issueOf(issueUpdated({ assignee: a, items: change })).assignee;
      expect(assignee({ accountId: '557058:bo', displayName: 'Bo Chen', emailAddress: 'bo@acme.example' })).toBe('bo@acme.example');
      expect(assignee({ accountId: '557058:bo', displayName: 'Bo Chen' })).toBe('Bo Chen');
      expect(assignee({ accountId: '557058:bo', displayName: '', emailAddress: null })).toBe('557058:bo');
      expect(issueOf(issueUpdated({ assignee: { accountId: '557058:bo' }, items: change })).changedFields).toEqual(['assignee']);
    });

    it('yields null for an issue left unassigned', () => {
      expect(issueOf(issueUpdated({ assignee: null, items: change })).assignee).toBeNull();
    });
  });

  describe('other events', () => {
    it('ignores an event that is not about an issue\'s fields, whatever its shape', () => {
      expect(parseJiraWebhook({ webhookEvent: 'comment_created', comment: { id: '1' }, issue: { id: 5 } })).toEqual({ kind: 'ignored', event: 'comment_created' });
      expect(parseJiraWebhook({ webhookEvent: 'sprint_started', sprint: { id: 7 } })).toEqual({ kind: 'ignored', event: 'sprint_started' });
    });

    it('yields an issue update that changed neither status nor assignee with what it did change', () => {
      const summary = issueUpdated({ status: { name: 'In Progress', category: 'indeterminate' }, items: [{ field: 'summary', fromString: 'a', toString: 'b' }] });
      expect(issueOf(summary)).toMatchObject({ changedFields: ['summary'], statusCategory: 'indeterminate' });
    });

    it('reads an issue event with no changelog, no fields and no time, and an issue without the incident label', () => {
      const bare = { webhookEvent: 'jira:issue_created', issue: { id: 10002, key: 'OPS-2', fields: { labels: ['other'] } } };
      expect(issueOf({ ...bare, changelog: { items: [{ field: 'labels' }] } }).changedFields).toEqual(['labels']);
      expect(issueOf(bare)).toEqual({
        event: 'jira:issue_created', issueKey: 'OPS-2', issueId: '10002', incidentId: null,
        statusCategory: null, statusName: null, assignee: null, changedFields: [], changelogId: null, at: null,
      });
    });
  });

  describe('invalid bodies', () => {
    it('names what is wrong', () => {
      expect(parseJiraWebhook([])).toMatchObject({ kind: 'invalid', issues: [{ path: '(body)' }] });
      expect(parseJiraWebhook({ issue: { id: '1', key: 'OPS-1' } })).toMatchObject({ kind: 'invalid', issues: [{ path: 'webhookEvent' }] });
      expect(parseJiraWebhook({ webhookEvent: 'jira:issue_updated' })).toMatchObject({ kind: 'invalid', issues: [{ path: 'issue' }] });
      expect(parseJiraWebhook({ webhookEvent: 'jira:issue_updated', issue: { id: '1' } })).toMatchObject({ kind: 'invalid', issues: [{ path: 'issue.key' }] });
      expect(parseJiraWebhook(issueUpdated({ items: [{ field: 7 }] }))).toMatchObject({ kind: 'invalid', issues: [{ path: 'changelog.items[0].field' }] });
    });
  });
});

describe('the fake Jira\'s signed webhooks', () => {
  let fake: JiraFake;
  let receiver: Server;
  const received: { verified: boolean; change: JiraIssueChange }[] = [];

  beforeEach(async () => {
    fake = await startJiraFake();
    received.length = 0;
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        received.push({ verified: verifyJiraSignature(raw, req.headers, 'hook-secret'), change: issueOf(JSON.parse(raw.toString('utf8'))) });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await fake.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('sends a status change and an assignee change that verify and parse, and changes the issue', async () => {
    const { ref } = await jiraTarget.open(fake.config, fakeOutbound(), incidentNotice());
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/jira`;
    expect((await fake.sendWebhook(url, 'hook-secret', ref!.issueKey!, { status: 'Done' })).status).toBe(202);
    await fake.sendWebhook(url, 'hook-secret', 'OPS-1', { assignee: { accountId: '557058:bo', displayName: 'Bo Chen' } });
    await fake.sendWebhook(url, 'another-secret', 'OPS-1', { status: 'To Do' });

    expect(received.map((r) => r.verified)).toEqual([true, true, false]);
    expect(received[0]!.change).toMatchObject({ issueKey: 'OPS-1', incidentId: INCIDENT, statusCategory: 'done', changedFields: ['status'] });
    expect(received[1]!.change).toMatchObject({ statusCategory: 'done', assignee: 'Bo Chen', changedFields: ['assignee'] });
    expect(received[2]!.change).toMatchObject({ statusCategory: 'new', statusName: 'To Do' });
    expect(fake.issues()[0]).toMatchObject({ status: 'To Do', assignee: { accountId: '557058:bo' } });
  });
});
