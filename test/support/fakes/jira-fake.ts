import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JiraConfig } from '../../../libs/connectors/src/jira/jira.target';
import type { TargetFake, TargetFault } from './target-fake';
import { type OnReceive, reportWhenAnswered } from './received-request';

/*
 * A local Jira Cloud (REST v3) that behaves as /work/shared/contracts/jira.md says, for the Jira
 * target's contract and e2e tests:
 *
 * - Basic auth `base64(email:apiToken)`, else 401;
 * - `POST /rest/api/3/issue` → 201 `{id, key, self}`, keys `<PROJECT>-<n>`; 400
 *   `{errorMessages, errors}` for a missing summary, project or issue type, an unknown priority,
 *   labels with spaces, or a description that is not ADF (ADF is checked node by node);
 * - `POST …/issue/{key}/comment` (ADF) → 201; `GET …/transitions`; `POST …/transitions` → 204;
 * - a workflow To Do (new) → In Progress (indeterminate) → Done (done), every status reachable from
 *   the others by a transition named after it (ids 11, 21, 31), as team-managed projects have it;
 * - `GET|POST /rest/api/3/search/jql` paged by `nextPageToken`, newest issues first, JQL limited to
 *   `project = …` and `labels = …` joined by AND; the last page OMITS `nextPageToken` (JRACLOUD-92184)
 *   and says `isLast: true`; ids only unless `fields` are asked for;
 * - the old `/rest/api/{2,3}/search` (and `/search/id`) answer 410 Gone;
 * - a burst limiter (429s, every other one without Retry-After) and TargetFault injection.
 */

type Category = 'new' | 'indeterminate' | 'done';

const STATUSES: readonly { id: string; name: string; category: Category }[] = [
  { id: '10000', name: 'To Do', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '10001', name: 'Done', category: 'done' },
];
const CATEGORY_IDS: Record<Category, number> = { new: 2, indeterminate: 4, done: 3 };
const ISSUE_TYPES: readonly { id: string; name: string }[] = [
  { id: '10001', name: 'Task' }, { id: '10002', name: 'Bug' }, { id: '10003', name: 'Story' }, { id: '10000', name: 'Epic' },
];
const PRIORITIES: readonly { id: string; name: string }[] = [
  { id: '1', name: 'Highest' }, { id: '2', name: 'High' }, { id: '3', name: 'Medium' }, { id: '4', name: 'Low' }, { id: '5', name: 'Lowest' },
];

export interface JiraFakeTransition {
  id: string;
  name: string;
  /** the target status's name: To Do, In Progress or Done */
  to: string;
  /** the statuses it is offered from; absent: from every other status */
  from?: string[];
}

export const DEFAULT_TRANSITIONS: readonly JiraFakeTransition[] = [
  { id: '11', name: 'To Do', to: 'To Do' },
  { id: '21', name: 'In Progress', to: 'In Progress' },
  { id: '31', name: 'Done', to: 'Done' },
];

export interface JiraFakeOptions {
  projectKey?: string;
  /** the most issues a search page holds, whatever `maxResults` asks (Jira caps it too) */
  pageSize?: number;
  /** the workflow's transitions, for tests of other workflows (classic names, no transition to done) */
  transitions?: readonly JiraFakeTransition[];
  /** at most `limit` requests per `windowMs`; the rest answer 429, every other one without Retry-After */
  burst?: { limit: number; windowMs: number };
  /** told of every request answered, with its receipt time (for timing deliveries) */
  onReceive?: OnReceive;
}

export interface JiraFakeUser {
  accountId: string;
  displayName?: string;
  emailAddress?: string;
}

export interface JiraFakeComment {
  id: string;
  body: unknown;
  text: string;
}

export interface JiraFakeIssue {
  id: string;
  key: string;
  summary: string;
  issueType: string;
  priority: string | null;
  labels: string[];
  status: string;
  statusCategory: Category;
  assignee: JiraFakeUser | null;
  description: unknown;
  descriptionText: string;
  comments: JiraFakeComment[];
}

export interface JiraFakeRequest {
  method: string;
  /** without the query */
  path: string;
  /** the JSON body sent, undefined when none or not JSON */
  body: unknown;
  status: number;
  /** the JSON body answered, undefined when none */
  answer: unknown;
}

/** What an admin webhook says changed: a status (by name), or the assignee (null: unassigned). */
export type JiraWebhookChange = { status: string } | { assignee: JiraFakeUser | null };

export interface JiraFake extends TargetFake<JiraConfig> {
  readonly url: string;
  /** every request, in order */
  readonly requests: JiraFakeRequest[];
  /** the issues, oldest first (copies) */
  issues(): JiraFakeIssue[];
  /**
   * Makes the change to the issue as a person in Jira would, then sends the admin webhook Jira
   * would send about it to `url`, signed with `secret` in `X-Hub-Signature`. Returns the answer.
   */
  sendWebhook(url: string, secret: string, issueKey: string, change: JiraWebhookChange): Promise<{ status: number; body: string }>;
}

/** `sha256=<hex HMAC-SHA256 of the body>`, as Jira signs an admin webhook with a secret. */
export const signJiraWebhook = (body: string | Buffer, secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

export async function startJiraFake(options: JiraFakeOptions = {}): Promise<JiraFake> {
  const projectKey = options.projectKey ?? 'OPS';
  const email = 'tributary-bot@acme.example';
  const apiToken = `ATATT3x-fake-${randomBytes(12).toString('hex')}`;
  const basic = Buffer.from(`${email}:${apiToken}`).toString('base64');
  const transitions = options.transitions ?? DEFAULT_TRANSITIONS;
  const pageSize = options.pageSize ?? 50;
  const issues: JiraFakeIssue[] = [];
  const requests: JiraFakeRequest[] = [];
  const faults: TargetFault[] = [];
  const burst = { windowStart: 0, count: 0, refused: 0 };
  let base = '';
  let commentIds = 10000;

  const findIssue = (keyOrId: string) => issues.find((i) => i.id === keyOrId || i.key.toLowerCase() === keyOrId.toLowerCase());
  const statusOf = (name: string) => STATUSES.find((s) => s.name === name);
  const offered = (issue: JiraFakeIssue) => transitions.filter((t) => t.to !== issue.status && (!t.from || t.from.includes(issue.status)));
  const statusJson = (name: string) => {
    const s = statusOf(name)!;
    return {
      self: `${base}/rest/api/3/status/${s.id}`, id: s.id, name: s.name, description: '',
      statusCategory: { self: `${base}/rest/api/3/statuscategory/${CATEGORY_IDS[s.category]}`, id: CATEGORY_IDS[s.category], key: s.category, name: s.name },
    };
  };
  const userJson = (u: JiraFakeUser) => ({ self: `${base}/rest/api/3/user?accountId=${u.accountId}`, accountType: 'atlassian', active: true, ...u });
  const issueJson = (issue: JiraFakeIssue, fields: string[] | null) => {
    if (fields === null) return { id: issue.id };
    const all: Record<string, unknown> = {
      summary: issue.summary, labels: issue.labels, status: statusJson(issue.status),
      priority: issue.priority && { name: issue.priority, id: PRIORITIES.find((p) => p.name === issue.priority)!.id },
      issuetype: { name: issue.issueType }, assignee: issue.assignee && userJson(issue.assignee), description: issue.description,
      project: { key: projectKey },
    };
    const wanted = fields.some((f) => f === '*all' || f === '*navigable') ? Object.keys(all) : fields;
    return { id: issue.id, key: issue.key, self: `${base}/rest/api/3/issue/${issue.id}`, fields: Object.fromEntries(wanted.filter((f) => f in all).map((f) => [f, all[f]])) };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (options.onReceive) reportWhenAnswered(req, res, raw, options.onReceive);
    const record: JiraFakeRequest = { method: req.method ?? 'GET', path: url.pathname, body: parseJson(raw), status: 0, answer: undefined };
    requests.push(record);
    const send = (status: number, answer?: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      record.answer = answer;
      res.writeHead(status, { ...(answer === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }), ...headers });
      res.end(answer === undefined ? undefined : JSON.stringify(answer));
    };
    const jiraError = (status: number, errorMessages: string[], errors: Record<string, string> = {}) => send(status, { errorMessages, errors });

    const fault = faults.shift();
    if (fault) {
      switch (fault.kind) {
        case 'server_error':
          return jiraError(500, ['Internal server error']);
        case 'rate_limited':
          return send(429, undefined, { ...(fault.retryAfterSeconds === null ? {} : { 'retry-after': String(fault.retryAfterSeconds) }), 'ratelimit-reason': 'jira-burst-based' });
        case 'permanent':
          return jiraError(400, [], { customfield_10010: "Field 'customfield_10010' cannot be set. It is not on the appropriate screen, or unknown." });
        case 'hang':
          return; // never answered: stop() closes the connection
      }
    }
    if (options.burst) {
      const now = Date.now();
      if (now - burst.windowStart >= options.burst.windowMs) Object.assign(burst, { windowStart: now, count: 0 });
      if (++burst.count > options.burst.limit) {
        // Not every Jira 429 carries Retry-After (JRACLOUD-82801): every second one here has none.
        const retryAfter: Record<string, string> = burst.refused++ % 2 === 0 ? { 'retry-after': '1' } : {};
        return send(429, undefined, { ...retryAfter, 'x-ratelimit-limit': String(options.burst.limit), 'x-ratelimit-remaining': '0', 'ratelimit-reason': 'jira-burst-based' });
      }
    }
    if (req.headers.authorization !== `Basic ${basic}`) return jiraError(401, ['Client must be authenticated to access this resource.']);

    const path = url.pathname;
    const method = req.method;
    if (/^\/rest\/api\/(2|3|latest)\/(search|search\/id|expression\/eval)$/.test(path)) {
      return jiraError(410, ['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046']);
    }
    if (path === '/rest/api/3/issue' && method === 'POST') return createIssue(record.body);
    if (path === '/rest/api/3/search/jql' && (method === 'POST' || method === 'GET')) {
      const body = method === 'POST' ? (isRecord(record.body) ? record.body : {}) : {
        jql: url.searchParams.get('jql') ?? undefined,
        nextPageToken: url.searchParams.get('nextPageToken') ?? undefined,
        maxResults: url.searchParams.has('maxResults') ? Number(url.searchParams.get('maxResults')) : undefined,
        fields: url.searchParams.get('fields')?.split(','),
      };
      return search(body);
    }
    const issuePath = /^\/rest\/api\/3\/issue\/([^/]+)\/(comment|transitions)$/.exec(path);
    if (issuePath) {
      const issue = findIssue(decodeURIComponent(issuePath[1]!));
      if (!issue) return jiraError(404, ['Issue does not exist or you do not have permission to see it.']);
      if (issuePath[2] === 'comment' && method === 'POST') return addComment(issue, record.body);
      if (issuePath[2] === 'transitions' && method === 'GET') {
        return send(200, {
          expand: 'transitions',
          transitions: offered(issue).map((t) => ({ id: t.id, name: t.name, to: statusJson(t.to), hasScreen: false, isGlobal: !t.from, isInitial: false, isAvailable: true, isConditional: false, isLooped: false })),
        });
      }
      if (issuePath[2] === 'transitions' && method === 'POST') return transition(issue, record.body);
    }
    return jiraError(404, ['Not Found']);

    function createIssue(body: unknown): void {
      const fields = isRecord(body) && isRecord(body.fields) ? body.fields : {};
      const errors: Record<string, string> = {};
      const project = isRecord(fields.project) ? fields.project : {};
      if (project.key !== projectKey && project.id !== '10000') errors.project = 'Specify a valid project ID or key';
      const type = isRecord(fields.issuetype) ? ISSUE_TYPES.find((t) => t.name === (fields.issuetype as Record<string, unknown>).name || t.id === (fields.issuetype as Record<string, unknown>).id) : undefined;
      if (!isRecord(fields.issuetype)) errors.issuetype = 'Specify an issue type';
      else if (!type) errors.issuetype = 'The issue type selected is invalid.';
      const summary = fields.summary;
      if (typeof summary !== 'string' || summary.trim() === '') errors.summary = 'You must specify a summary of the issue.';
      else if (/[\r\n]/.test(summary)) errors.summary = 'The summary is invalid because it contains newline characters.';
      else if (summary.length > 255) errors.summary = 'Summary must be less than 255 characters.';
      if (fields.description !== undefined && fields.description !== null && adfProblem(fields.description) !== null) {
        errors.description = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
      }
      let priority: string | null = null;
      if (fields.priority !== undefined) {
        const p = isRecord(fields.priority) ? PRIORITIES.find((x) => x.name === (fields.priority as Record<string, unknown>).name || x.id === (fields.priority as Record<string, unknown>).id) : undefined;
        if (!p) errors.priority = 'The priority selected is invalid.';
        else priority = p.name;
      }
      const labels = fields.labels ?? [];
      if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string' || l === '' || /\s/.test(l) || l.length > 255)) {
        errors.labels = 'A label cannot contain spaces and must be at most 255 characters.';
      }
      if (Object.keys(errors).length > 0) return jiraError(400, [], errors);
      const n = issues.length + 1;
      const issue: JiraFakeIssue = {
        id: String(10000 + n), key: `${projectKey}-${n}`, summary: summary as string, issueType: type!.name, priority,
        labels: [...new Set(labels as string[])], status: 'To Do', statusCategory: 'new', assignee: null,
        description: fields.description ?? null, descriptionText: fields.description ? adfText(fields.description) : '', comments: [],
      };
      issues.push(issue);
      send(201, { id: issue.id, key: issue.key, self: `${base}/rest/api/3/issue/${issue.id}` });
    }

    function addComment(issue: JiraFakeIssue, body: unknown): void {
      const adf = isRecord(body) ? body.body : undefined;
      if (adf === undefined || adf === null) return jiraError(400, [], { comment: 'Comment body can not be empty!' });
      if (adfProblem(adf) !== null) return jiraError(400, [], { comment: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' });
      const comment = { id: String(++commentIds), body: adf, text: adfText(adf) };
      issue.comments.push(comment);
      const now = new Date().toISOString();
      const author = userJson({ accountId: '557058:bot', displayName: 'Tributary bot', emailAddress: email });
      send(201, { self: `${base}/rest/api/3/issue/${issue.id}/comment/${comment.id}`, id: comment.id, author, updateAuthor: author, body: adf, created: now, updated: now, jsdPublic: true });
    }

    function transition(issue: JiraFakeIssue, body: unknown): void {
      const id = isRecord(body) && isRecord(body.transition) ? body.transition.id : undefined;
      const t = offered(issue).find((x) => x.id === String(id));
      if (!t) return jiraError(400, [`Transition id '${String(id)}' is not valid for this issue.`]);
      issue.status = t.to;
      issue.statusCategory = statusOf(t.to)!.category;
      send(204);
    }

    function search(body: Record<string, unknown>): void {
      const jql = typeof body.jql === 'string' ? body.jql : '';
      const where = jql.replace(/\s+ORDER\s+BY\s+.*$/is, '').trim();
      if (where === '') return jiraError(400, ['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.']);
      const clauses = where.split(/\s+AND\s+/i).map((c) => /^(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s"]+)$/.exec(c.trim()));
      if (clauses.some((c) => c === null || !['project', 'labels'].includes(c[1]!.toLowerCase()))) {
        return jiraError(400, [`Error in the JQL Query: the fake reads only project = … and labels = … (got ${jql})`]);
      }
      const matching = issues.filter((issue) => clauses.every((c) => {
        const value = c![2]!.startsWith('"') ? c![2]!.slice(1, -1).replace(/\\(.)/g, '$1') : c![2]!;
        return c![1]!.toLowerCase() === 'project' ? value.toLowerCase() === projectKey.toLowerCase() : issue.labels.includes(value);
      })).reverse();
      let offset = 0;
      if (body.nextPageToken !== undefined && body.nextPageToken !== null) {
        offset = decodeToken(body.nextPageToken);
        if (Number.isNaN(offset)) return jiraError(400, ['The nextPageToken is invalid.']);
      }
      const asked = typeof body.maxResults === 'number' && body.maxResults > 0 ? body.maxResults : 50;
      const page = matching.slice(offset, offset + Math.min(asked, pageSize));
      const fields = Array.isArray(body.fields) && body.fields.length > 0 ? body.fields.map(String) : null;
      const next = offset + page.length;
      const isLast = next >= matching.length;
      // the real service leaves the key out on the last page rather than sending null
      send(200, { issues: page.map((i) => issueJson(i, fields)), ...(isLast ? {} : { nextPageToken: encodeToken(next) }), isLast });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errorMessages: [String(error)], errors: {} }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const copy = (i: JiraFakeIssue): JiraFakeIssue => structuredClone(i);

  return {
    url: base,
    config: JiraConfig.parse({ baseUrl: base, email, apiToken, projectKey }),
    secrets: [apiToken, basic],
    requests,
    items: () => issues.map((i) => ({ texts: [i.descriptionText, ...i.comments.map((c) => c.text)], resolved: i.statusCategory === 'done' })),
    issues: () => issues.map(copy),
    failNext(fault, times = 1) {
      for (let n = 0; n < times; n++) faults.push(fault);
    },
    async sendWebhook(target, secret, issueKey, change) {
      const issue = findIssue(issueKey);
      if (!issue) throw new Error(`the fake has no issue ${issueKey}`);
      const items: ChangelogItem[] = [];
      if ('status' in change) {
        const to = statusOf(change.status);
        if (!to) throw new Error(`the fake's workflow has no status ${change.status}`);
        const from = statusOf(issue.status)!;
        items.push({ field: 'status', fieldtype: 'jira', fieldId: 'status', from: from.id, fromString: from.name, to: to.id, toString: to.name });
        issue.status = to.name;
        issue.statusCategory = to.category;
      } else {
        const before = issue.assignee;
        items.push({
          field: 'assignee', fieldtype: 'jira', fieldId: 'assignee',
          from: before?.accountId ?? null, fromString: before?.displayName ?? null,
          to: change.assignee?.accountId ?? null, toString: change.assignee?.displayName ?? null,
        });
        issue.assignee = change.assignee;
      }
      const body = JSON.stringify(issueUpdatedWebhook(base, issueJson(issue, ['*all']), items, 'status' in change ? 'issue_generic' : 'issue_assigned'));
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Atlassian Webhook HTTP Client', 'x-hub-signature': signJiraWebhook(body, secret) },
        body,
      });
      return { status: response.status, body: await response.text() };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface ChangelogItem {
  field: string;
  fieldtype: string;
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

/** A `jira:issue_updated` body in the shape third-party captures of Jira Cloud show (the contract's Webhooks section). */
function issueUpdatedWebhook(base: string, issue: Record<string, unknown>, items: ChangelogItem[], eventType: string): Record<string, unknown> {
  return {
    timestamp: Date.now(),
    webhookEvent: 'jira:issue_updated',
    issue_event_type_name: eventType,
    user: { self: `${base}/rest/api/3/user?accountId=557058:person`, accountId: '557058:person', displayName: 'Ana Lima', active: true, timeZone: 'Europe/Lisbon', accountType: 'atlassian' },
    issue,
    changelog: { id: String(20000 + Math.floor(Math.random() * 10000)), items },
  };
}

const BLOCKS = new Set(['paragraph', 'heading', 'bulletList', 'orderedList', 'listItem', 'blockquote', 'codeBlock', 'rule']);
const INLINES = new Set(['text', 'hardBreak', 'mention', 'emoji', 'inlineCard']);
const MARKS = new Set(['strong', 'em', 'code', 'link', 'underline', 'strike', 'subsup', 'textColor']);
/** What each container may hold (a subset of the ADF schema, enough to catch a malformed document). */
const CHILDREN: Record<string, Set<string>> = {
  doc: BLOCKS,
  paragraph: INLINES,
  heading: INLINES,
  bulletList: new Set(['listItem']),
  orderedList: new Set(['listItem']),
  listItem: new Set(['paragraph', 'bulletList', 'orderedList', 'codeBlock']),
  blockquote: new Set(['paragraph', 'bulletList', 'orderedList', 'codeBlock']),
  codeBlock: new Set(['text']),
};

/** Why `node` is not an ADF document (null when it is). */
function adfProblem(node: unknown): string | null {
  if (!isRecord(node) || node.type !== 'doc' || node.version !== 1 || !Array.isArray(node.content)) return 'not an ADF doc';
  return childrenProblem(node);
}

function childrenProblem(node: Record<string, unknown>): string | null {
  const allowed = CHILDREN[node.type as string];
  if (node.content === undefined) return null;
  if (!allowed || !Array.isArray(node.content)) return `${String(node.type)} cannot hold content`;
  if (['bulletList', 'orderedList', 'listItem'].includes(node.type as string) && node.content.length === 0) return `an empty ${String(node.type)}`;
  for (const child of node.content) {
    if (!isRecord(child) || typeof child.type !== 'string' || !allowed.has(child.type)) return `${String(node.type)} cannot hold ${JSON.stringify(child)}`;
    if (child.type === 'text') {
      if (typeof child.text !== 'string' || child.text.length === 0) return 'a text node needs non-empty text';
      if (child.marks !== undefined) {
        if (!Array.isArray(child.marks)) return 'marks must be a list';
        for (const mark of child.marks) {
          if (!isRecord(mark) || !MARKS.has(mark.type as string)) return `unknown mark ${JSON.stringify(mark)}`;
          if (mark.type === 'link' && !(isRecord(mark.attrs) && typeof mark.attrs.href === 'string')) return 'a link needs attrs.href';
        }
      }
    }
    const problem = childrenProblem(child);
    if (problem) return problem;
  }
  return null;
}

/** An ADF document flattened to text: blocks on their own lines. */
function adfText(node: unknown): string {
  if (!isRecord(node)) return '';
  if (node.type === 'text') return typeof node.text === 'string' ? node.text : '';
  if (node.type === 'hardBreak') return '\n';
  const parts = Array.isArray(node.content) ? node.content.map(adfText) : [];
  return parts.join(node.type === 'paragraph' || node.type === 'heading' ? '' : '\n');
}

const encodeToken = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
function decodeToken(token: unknown): number {
  const match = typeof token === 'string' ? /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8')) : null;
  return match ? Number(match[1]) : NaN;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(raw: string): unknown {
  try {
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
