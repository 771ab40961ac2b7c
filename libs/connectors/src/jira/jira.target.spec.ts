import { DEFAULT_OUTBOUND_POLICY, NodeOutboundHttp, OutboundError, OutboundHttp, OutboundResponse } from '@tributary/outbound';
import { JiraFake, startJiraFake } from '../../../../test/support/fakes/jira-fake';
import { describeTargetContract, fakeOutbound, incidentNotice, ownerLossNotice, targetError } from '../target-connector.contract';
import { DeliveryRef } from '../target-connector';
import { JIRA_TARGET } from './jira-client';
import { incidentTag } from '../incident-tag';
import { findIssueOfIncident, JiraConfig, jiraTarget } from './jira.target';

describeTargetContract('jira', jiraTarget, startJiraFake, true);


/** An OutboundHttp that answers every request with one canned response, or fails it with an OutboundError. */
function cannedHttp(answer: Partial<OutboundResponse> | OutboundError): OutboundHttp {
  return {
    check() {},
    async request() {
      if (answer instanceof OutboundError) throw answer;
      return { status: answer.status ?? 200, headers: answer.headers ?? {}, body: answer.body ?? Buffer.alloc(0) };
    },
  };
}
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

const SITE_CONFIG = { baseUrl: 'https://acme.atlassian.net', email: 'bot@acme.example', apiToken: 'tok-secret-123', projectKey: 'OPS' };

describe('jiraTarget', () => {
  const http = fakeOutbound();
  let fake: JiraFake;
  afterEach(async () => {
    await fake?.stop();
  });
  const start = async (options: Parameters<typeof startJiraFake>[0] = {}, over: Partial<JiraConfig> = {}) => {
    fake = await startJiraFake(options);
    return { ...fake.config, ...over };
  };
  const paths = () => fake.requests.map((r) => `${r.method} ${r.path}`);

  describe('config', () => {
    it('fills the defaults: a Task, labelled tributary, priorities by severity, Done and To Do transitions', () => {
      expect(JiraConfig.parse(SITE_CONFIG)).toEqual({
        ...SITE_CONFIG, issueType: 'Task', labels: ['tributary'],
        priorityBySeverity: { 'SEV-1': 'Highest', 'SEV-2': 'High', 'SEV-3': 'Medium', '*': 'Low' },
        resolveTransition: 'Done', reopenTransition: 'To Do',
      });
    });

    it('refuses a config without a project, with an unknown field, or with a label Jira would refuse', () => {
      const { projectKey: _omitted, ...noProject } = SITE_CONFIG;
      expect(JiraConfig.safeParse(noProject).success).toBe(false);
      expect(JiraConfig.safeParse({ ...SITE_CONFIG, projectKey: '' }).success).toBe(false);
      expect(JiraConfig.safeParse({ ...SITE_CONFIG, password: 'x' }).success).toBe(false);
      expect(JiraConfig.safeParse({ ...SITE_CONFIG, labels: ['two words'] }).success).toBe(false);
      expect(JiraConfig.safeParse({ ...SITE_CONFIG, baseUrl: 'not a url' }).success).toBe(false);
    });

    it('leaves a plain-http or foreign baseUrl to the outbound policy, which refuses it before any call', async () => {
      const policy = new NodeOutboundHttp(DEFAULT_OUTBOUND_POLICY);
      for (const baseUrl of ['http://acme.atlassian.net', 'https://jira.evil.example', 'https://127.0.0.1']) {
        const config = JiraConfig.parse({ ...SITE_CONFIG, baseUrl });
        const error = await targetError(jiraTarget.open(config, policy, incidentNotice()));
        expect([error.retry, error.answer]).toEqual(['never', expect.stringMatching(/^outbound_url_refused/)]);
      }
      expect(() => policy.check('https://acme.atlassian.net/rest/api/3/issue', JIRA_TARGET)).not.toThrow();
      expect(() => policy.check('https://api.atlassian.com/ex/jira/1f3c/rest/api/3/issue', JIRA_TARGET)).not.toThrow();
    });

    it('declares the token a secret sent only to baseUrl', () => {
      expect(jiraTarget.secretPaths).toEqual(['apiToken']);
      expect(jiraTarget.outboundUrls).toEqual([{ path: 'baseUrl', target: JIRA_TARGET, secretPaths: ['apiToken'] }]);
    });

    it('spends one rate limit per site, whatever the project', () => {
      const limit = (over: object) => jiraTarget.rateLimit(JiraConfig.parse({ ...SITE_CONFIG, ...over }));
      expect(limit({})).toEqual({ key: 'jira:acme.atlassian.net', minIntervalMs: 250 });
      expect(limit({ projectKey: 'DATA', baseUrl: 'https://ACME.atlassian.net/' }).key).toBe('jira:acme.atlassian.net');
      expect(limit({ baseUrl: 'https://other.atlassian.net' }).key).toBe('jira:other.atlassian.net');
      expect(limit({ baseUrl: 'https://api.atlassian.com/ex/jira/1f3c' }).key).toBe('jira:api.atlassian.com/ex/jira/1f3c');
    });
  });

  describe('open', () => {
    it('creates a Task with the severity in the summary, the labels (the incident\'s too) and an ADF description', async () => {
      const config = await start();
      const answer = await jiraTarget.open(config, http, incidentNotice());
      expect(answer).toEqual({ answer: '201 OPS-1', ref: { issueKey: 'OPS-1', issueId: '10001' } });
      const [issue] = fake.issues();
      expect(issue).toMatchObject({
        summary: '[SEV-1] Freshness anomaly on ORDERS', issueType: 'Task', priority: 'Highest', status: 'To Do',
        labels: ['tributary', incidentTag(incidentNotice().incidentId)],
      });
      expect(issue!.descriptionText).toContain('snowflake/acme/ANALYTICS/PUBLIC/ORDERS');
    });

    it('sets the priority by severity (case-insensitive), Low for any other or none', async () => {
      const config = await start();
      for (const severity of ['SEV-1', 'sev-2', 'SEV-3', 'SEV-4', null]) await jiraTarget.open(config, http, incidentNotice({ severity }));
      expect(fake.issues().map((i) => i.priority)).toEqual(['Highest', 'High', 'Medium', 'Low', 'Low']);
    });

    it('sets no priority for a severity a map without "*" does not name (projects without the field)', async () => {
      const config = await start({}, { priorityBySeverity: { 'SEV-1': 'High' } });
      await jiraTarget.open(config, http, incidentNotice({ severity: 'SEV-1' }));
      await jiraTarget.open(config, http, incidentNotice({ severity: 'SEV-2' }));
      expect(fake.issues().map((i) => i.priority)).toEqual(['High', null]);
      expect(fake.requests[1]!.body).toEqual({ fields: expect.not.objectContaining({ priority: expect.anything() }) });
    });

    it('keeps a long or multi-line title to one line of at most 255 characters', async () => {
      const config = await start();
      await jiraTarget.open(config, http, incidentNotice({ title: `Line one\nline two ${'x'.repeat(400)}` }));
      const summary = fake.issues()[0]!.summary;
      expect(summary.length).toBe(255);
      expect(summary).toMatch(/^\[SEV-1\] Line one line two x+…$/);
    });

    it('calls Jira\'s validation errors permanent, with its messages', async () => {
      const config = await start({}, { priorityBySeverity: { '*': 'Urgent' }, issueType: 'Incident' });
      const error = await targetError(jiraTarget.open(config, http, incidentNotice()));
      expect(error.retry).toBe('never');
      expect(error.answer).toContain('400');
      expect(error.answer).toContain('priority: The priority selected is invalid.');
      expect(error.answer).toContain('issuetype: The issue type selected is invalid.');
      expect(fake.issues()).toHaveLength(0);
    });

    it('calls a wrong token permanent and never shows it', async () => {
      const config = await start();
      const wrong = { ...config, apiToken: 'wrong-token-value' };
      const error = await targetError(jiraTarget.open(wrong, http, incidentNotice()));
      expect(error.retry).toBe('never');
      expect(error.answer).toMatch(/^401/);
      expect(`${error.answer} ${error.message}`).not.toContain('wrong-token-value');
    });
  });

  describe('update', () => {
    const opened = async (config: JiraConfig) => (await jiraTarget.open(config, http, incidentNotice())).ref;

    it('comments on a change without touching the workflow', async () => {
      const config = await start();
      const ref = await opened(config);
      const answer = await jiraTarget.update(config, http, ref, incidentNotice({ change: 'updated', severity: 'SEV-2', rawStatus: 'investigating' }));
      expect(answer).toEqual({ answer: '201 comment on OPS-1', ref });
      expect(fake.issues()[0]!.comments.map((c) => c.text)).toEqual([expect.stringContaining('SEV-2')]);
      expect(fake.issues()[0]!.comments[0]!.text).toContain('open (investigating)');
      expect(paths().filter((p) => p.includes('transitions'))).toEqual([]);
    });

    it('runs the transition named by resolveTransition when resolved, and reopenTransition when reopened', async () => {
      const config = await start();
      const ref = await opened(config);
      const resolved = await jiraTarget.update(config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved' }));
      expect(resolved.answer).toBe('201 comment on OPS-1; transitioned by "Done" (31)');
      expect(fake.issues()[0]).toMatchObject({ status: 'Done', statusCategory: 'done' });
      const reopened = await jiraTarget.update(config, http, ref, incidentNotice({ change: 'reopened' }));
      expect(reopened.answer).toBe('201 comment on OPS-1; transitioned by "To Do" (11)');
      expect(fake.issues()[0]).toMatchObject({ status: 'To Do', statusCategory: 'new' });
      expect(fake.issues()[0]!.comments).toHaveLength(2);
    });

    it('finds the transition by id, or by its target status\'s name (classic workflows name transitions otherwise)', async () => {
      const classic = [
        { id: '5', name: 'Resolve Issue', to: 'Done' },
        { id: '3', name: 'Reopen Issue', to: 'To Do', from: ['Done'] },
        { id: '4', name: 'Start Progress', to: 'In Progress', from: ['To Do'] },
      ];
      const config = await start({ transitions: classic });
      const ref = await opened(config);
      expect((await jiraTarget.update(config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved' }))).answer)
        .toContain('transitioned by "Resolve Issue" (5)');
      const byId = { ...config, reopenTransition: '3' };
      expect((await jiraTarget.update(byId, http, ref, incidentNotice({ change: 'reopened' }))).answer).toContain('transitioned by "Reopen Issue" (3)');
      expect(fake.issues()[0]!.status).toBe('To Do');
    });

    it('falls back to the first transition to a done status, and to a new one on reopen', async () => {
      const custom = [
        { id: '41', name: 'Investigate', to: 'In Progress' },
        { id: '51', name: 'Close', to: 'Done' },
        { id: '61', name: 'Back to queue', to: 'To Do' },
      ];
      const config = await start({ transitions: custom }, { resolveTransition: 'Resolve', reopenTransition: 'Reopen' });
      const ref = await opened(config);
      expect((await jiraTarget.update(config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved' }))).answer).toContain('(51)');
      expect(fake.issues()[0]!.statusCategory).toBe('done');
      expect((await jiraTarget.update(config, http, ref, incidentNotice({ change: 'reopened' }))).answer).toContain('(61)');
      expect(fake.issues()[0]!.statusCategory).toBe('new');
    });

    it('still comments, and says so, when no transition leads to done', async () => {
      const noDone = [{ id: '11', name: 'To Do', to: 'To Do' }, { id: '21', name: 'In Progress', to: 'In Progress' }];
      const config = await start({ transitions: noDone });
      const ref = await opened(config);
      const answer = await jiraTarget.update(config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved' }));
      expect(answer.answer).toBe('201 comment on OPS-1; no transition to done found (wanted "Done")');
      expect(fake.items()[0]).toEqual({ texts: [expect.any(String), expect.stringContaining('resolved')], resolved: false });
      expect(paths()).not.toContain('POST /rest/api/3/issue/OPS-1/transitions');
    });

    it('calls a ref without a usable issue key permanent, calling nothing', async () => {
      const config = await start();
      for (const ref of [null, {}, { issueId: '10001' }, { issueKey: '../../rest/api/3/project' }] as DeliveryRef[]) {
        expect((await targetError(jiraTarget.update(config, http, ref, incidentNotice({ change: 'updated' })))).retry).toBe('never');
      }
      expect(fake.requests).toHaveLength(0);
    });

    it('calls an issue Jira does not know permanent', async () => {
      const config = await start();
      const error = await targetError(jiraTarget.update(config, http, { issueKey: 'OPS-404' }, incidentNotice({ change: 'updated' })));
      expect([error.retry, error.answer]).toEqual(['never', '404 Issue does not exist or you do not have permission to see it.']);
    });
  });

  describe('digest and test', () => {
    it('opens one issue for a digest, without any incident\'s label', async () => {
      const config = await start();
      const incidents = [1, 2].map((n) => incidentNotice({ incidentId: `id-${n}`, title: `Volume drop ${n}` }));
      const answer = await jiraTarget.digest(config, http, { from: new Date('2026-12-03T10:00:00Z'), to: new Date('2026-12-03T10:05:00Z'), incidents });
      expect(answer.answer).toBe('201 OPS-1');
      expect(fake.issues()[0]).toMatchObject({ labels: ['tributary'], priority: null, summary: 'Tributary: 2 incidents from 2026-12-03T10:00:00.000Z to 2026-12-03T10:05:00.000Z' });
    });

    it('opens one issue per owner lost, labelled with the loss, no priority; found again by that label, never by an incident\'s', async () => {
      const config = await start();
      const notice = ownerLossNotice();
      expect((await jiraTarget.announce(config, http, notice)).ref).toEqual({ issueKey: 'OPS-1', issueId: '10001' });
      expect(fake.issues()[0]).toMatchObject({ labels: ['tributary', `tributary-owner-loss-${notice.lossId}`], priority: null,
        summary: 'Tributary: 5 assets lost their owner Ana Lima (ana@example.com) (deactivated)' });
      expect(await jiraTarget.findAnnouncement!(config, http, notice.lossId)).toEqual({ issueKey: 'OPS-1', issueId: '10001' });
      expect(await jiraTarget.findAnnouncement!(config, http, '0190e4a4-0000-7000-8000-000000000000')).toBeNull();
      expect(await findIssueOfIncident(config, http, notice.lossId)).toBeNull();
    });

    it('opens a test issue and names it', async () => {
      const config = await start();
      expect((await jiraTarget.test(config, http)).answer).toBe('201 OPS-1 (test issue)');
      expect(fake.issues()[0]!.summary).toBe('Tributary test issue');
    });
  });

  describe('rate limits and failures', () => {
    it('calls Jira\'s burst 429 retryable after its Retry-After, or after a backoff (null) when it gave none', async () => {
      const config = await start({ burst: { limit: 1, windowMs: 60 * 60_000 } });
      await jiraTarget.open(config, http, incidentNotice());
      const first = await targetError(jiraTarget.open(config, http, incidentNotice()));
      const second = await targetError(jiraTarget.open(config, http, incidentNotice()));
      expect([first.retry, first.retryAfterMs]).toEqual(['after', 1000]);
      expect([second.retry, second.retryAfterMs]).toEqual(['after', null]);
      expect(fake.issues()).toHaveLength(1);
    });

    it.each([
      [503, { 'retry-after': '30' }, 'later', 30_000],
      [502, {}, 'later', null],
      [408, {}, 'later', null],
      [429, { 'retry-after': 'Wed, 21 Oct 2099 07:28:00 GMT' }, 'after', expect.any(Number)],
      [403, {}, 'never', null],
      [404, {}, 'never', null],
      [410, {}, 'never', null],
    ])('calls HTTP %i %p %s (retry after %p)', async (status, headers, retry, retryAfterMs) => {
      const config = JiraConfig.parse(SITE_CONFIG);
      const error = await targetError(jiraTarget.open(config, cannedHttp({ status, headers, body: json({ errorMessages: ['x'] }) }), incidentNotice()));
      expect([error.retry, error.retryAfterMs, error.answer]).toEqual([retry, retryAfterMs, `${status} x`]);
    });

    it('calls a timeout or network failure later, a refused URL or redirect never', async () => {
      const config = JiraConfig.parse(SITE_CONFIG);
      const open = (e: OutboundError) => targetError(jiraTarget.open(config, cannedHttp(e), incidentNotice()));
      expect((await open(new OutboundError('outbound_timeout', 'no complete answer within 1000 ms'))).retry).toBe('later');
      expect((await open(new OutboundError('outbound_unreachable', 'the service could not be reached'))).retry).toBe('later');
      expect((await open(new OutboundError('outbound_redirect_refused', 'the answer was a redirect'))).retry).toBe('never');
    });

    it('calls a 201 without an issue key permanent, so that no second issue is made', async () => {
      const config = JiraConfig.parse(SITE_CONFIG);
      const error = await targetError(jiraTarget.open(config, cannedHttp({ status: 201, body: Buffer.from('<html>ok</html>') }), incidentNotice()));
      expect([error.retry, error.answer]).toEqual(['never', "201: Jira's answer names no issue key"]);
    });
  });

  describe('secrets', () => {
    it('never puts the token or the Authorization header in an answer, even where Jira\'s error echoes them', async () => {
      const config = JiraConfig.parse(SITE_CONFIG);
      const basic = Buffer.from(`${SITE_CONFIG.email}:${SITE_CONFIG.apiToken}`).toString('base64');
      const echo = json({ errorMessages: [`bad credentials ${SITE_CONFIG.apiToken}`], errors: { authorization: `Basic ${basic}` } });
      const error = await targetError(jiraTarget.open(config, cannedHttp({ status: 401, body: echo }), incidentNotice()));
      expect(error.answer).toBe('401 bad credentials [redacted]; authorization: Basic [redacted]');
    });

    it('keeps the token out of every answer and error against the fake', async () => {
      const config = await start();
      const answers: unknown[] = [];
      const { ref } = await jiraTarget.open(config, http, incidentNotice());
      answers.push(ref, await jiraTarget.update(config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved' })));
      answers.push(await jiraTarget.digest(config, http, { from: new Date(), to: new Date(), incidents: [incidentNotice()] }));
      answers.push(await jiraTarget.test(config, http));
      for (const kind of ['permanent', 'server_error'] as const) {
        fake.failNext({ kind });
        const error = await targetError(jiraTarget.open(config, http, incidentNotice()));
        answers.push(error.answer, error.message);
      }
      const text = JSON.stringify(answers);
      for (const secret of fake.secrets) expect(text).not.toContain(secret);
    });
  });

  describe(findIssueOfIncident.name, () => {
    it('pages through /search/jql until a page without nextPageToken, and takes the oldest issue', async () => {
      const config = await start({ pageSize: 1 });
      const incident = incidentNotice();
      await jiraTarget.open(config, http, incident);
      await jiraTarget.open(config, http, incidentNotice({ incidentId: 'another-incident' }));
      await jiraTarget.open(config, http, incident); // a second issue, as a lost ref once made

      expect(await findIssueOfIncident(config, http, incident.incidentId)).toEqual({ issueKey: 'OPS-1', issueId: '10001' });
      const searches = fake.requests.filter((r) => r.path === '/rest/api/3/search/jql');
      expect(searches).toHaveLength(2);
      expect(searches[0]!.body).toEqual({
        jql: `project = "OPS" AND labels = "${incidentTag(incident.incidentId)}"`, fields: ['labels'], maxResults: 50,
      });
      const firstAnswer = searches[0]!.answer as { nextPageToken: string; isLast: boolean };
      expect(firstAnswer.isLast).toBe(false);
      expect(searches[1]!.body).toMatchObject({ nextPageToken: firstAnswer.nextPageToken });
      expect(searches[1]!.answer).toEqual({ issues: [expect.objectContaining({ key: 'OPS-1' })], isLast: true });
      expect(searches[1]!.answer).not.toHaveProperty('nextPageToken');
    });

    it('finds nothing for an incident without an issue', async () => {
      const config = await start();
      await jiraTarget.open(config, http, incidentNotice());
      expect(await findIssueOfIncident(config, http, 'no-such-incident')).toBeNull();
    });
  });

  describe('the fake Jira', () => {
    const post = (path: string, body: unknown, authorization = `Basic ${fake.secrets[1]}`) =>
      fetch(`${fake.url}${path}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('refuses what Jira refuses, in Jira\'s error shape', async () => {
      await start();
      const adf = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x' }] }] };
      const missing = await post('/rest/api/3/issue', { fields: { description: 'plain text, not ADF' } });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toEqual({
        errorMessages: [],
        errors: {
          project: expect.any(String), issuetype: 'Specify an issue type', summary: 'You must specify a summary of the issue.',
          description: expect.stringContaining('Atlassian Document'),
        },
      });
      const emptyText = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] };
      const bad = await post('/rest/api/3/issue', { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 's', description: emptyText } });
      expect(((await bad.json()) as { errors: unknown }).errors).toEqual({ description: expect.any(String) });
      expect((await post('/rest/api/3/issue', { fields: { project: { key: 'OPS' }, issuetype: { name: 'Task' }, summary: 's', description: adf } }, 'Basic eDp5')).status).toBe(401);
      expect(fake.issues()).toHaveLength(0);
    });
  });

  describe('the retired search API', () => {
    it('is never called, though the fake answers it 410 as Jira does', async () => {
      const config = await start({ pageSize: 1 });
      const { ref } = await jiraTarget.open(config, http, incidentNotice());
      await jiraTarget.update(config, http, ref, incidentNotice({ change: 'resolved', status: 'resolved' }));
      await jiraTarget.digest(config, http, { from: new Date(), to: new Date(), incidents: [incidentNotice()] });
      await jiraTarget.test(config, http);
      await findIssueOfIncident(config, http, incidentNotice().incidentId);
      expect(fake.requests.some((r) => r.path === '/rest/api/3/search/jql')).toBe(true);
      expect(fake.requests.filter((r) => /\/search$/.test(r.path))).toEqual([]);

      const old = await fetch(`${fake.url}/rest/api/3/search`, { method: 'POST', headers: { authorization: `Basic ${fake.secrets[1]}` } });
      expect(old.status).toBe(410);
    });
  });
});
