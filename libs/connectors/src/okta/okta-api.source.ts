import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { OutboundError, OutboundHttp, OutboundTarget } from '@tributary/outbound';
import type { DirectoryFactValue } from '../directory-fact';
import { HistoryPage, HistorySource, SourceFailed, SourceRateLimited } from '../source-connector';

/*
 * A backfill of the directory through Okta's management API (contract: okta.md): every user
 * (`/api/v1/users`), every group (`/api/v1/groups`), then each group's members
 * (`/api/v1/groups/{id}/users`), each list paged by its `Link: <…>; rel="next"` header, with
 * `Authorization: SSWS <token>`. The time range of the backfill does not apply: the directory is read
 * as it is now, each record at its own `lastUpdated` so that a newer hook event is never overwritten.
 */

/** Okta's hosts: an org's own domain needs no platform configuration. */
export const OKTA_TARGET: OutboundTarget = { name: 'okta', hosts: ['*.okta.com', '*.oktapreview.com', '*.okta-emea.com', '*.okta-gov.com'] };

/** Content types of what a backfill logs: one Okta object each. */
export const OKTA_TYPES = {
  user: 'application/vnd.okta.user+json',
  group: 'application/vnd.okta.group+json',
  members: 'application/vnd.okta.group-members+json',
} as const;

/** Okta's largest page for users and groups. */
const PAGE_LIMIT = 200;
/** Without a usable X-Rate-Limit-Reset, wait this long after a 429. */
const DEFAULT_RESET_MS = 1000;

export const OktaUser = z.looseObject({
  id: z.string().min(1).max(512),
  status: z.string().max(64),
  lastUpdated: z.iso.datetime({ offset: true }).nullish(),
  statusChanged: z.iso.datetime({ offset: true }).nullish(),
  created: z.iso.datetime({ offset: true }).nullish(),
  profile: z.looseObject({
    login: z.string().min(1).max(512),
    email: z.string().max(512).nullish(),
    firstName: z.string().max(512).nullish(),
    lastName: z.string().max(512).nullish(),
    displayName: z.string().max(512).nullish(),
  }),
});
export const OktaGroup = z.looseObject({
  id: z.string().min(1).max(512),
  lastUpdated: z.iso.datetime({ offset: true }).nullish(),
  created: z.iso.datetime({ offset: true }).nullish(),
  profile: z.looseObject({ name: z.string().min(1).max(512) }),
});
/** One group's members as read (logged by the backfill): the group and its users at `readAt`. */
export const OktaGroupMembers = z.strictObject({
  groupId: z.string().min(1).max(512),
  readAt: z.iso.datetime({ offset: true }),
  users: z.array(OktaUser),
});

/** Okta's user status as the directory's: locked out or in password recovery is still an active user. */
const STATUS: Readonly<Record<string, NonNullable<NonNullable<DirectoryFactValue['person']>['status']>>> = {
  ACTIVE: 'active', RECOVERY: 'active', PASSWORD_EXPIRED: 'active', LOCKED_OUT: 'active',
  STAGED: 'staged', PROVISIONED: 'staged', SUSPENDED: 'suspended', DEPROVISIONED: 'deactivated',
};

const newest = (...times: (string | null | undefined)[]) =>
  times.filter((t): t is string => !!t).sort((a, b) => Date.parse(b) - Date.parse(a))[0];

/** A user read from the API as a fact about the person, at its last change. */
export function userFact(u: z.infer<typeof OktaUser>, readAt: string): DirectoryFactValue {
  const name = [u.profile.firstName, u.profile.lastName].filter(Boolean).join(' ');
  return {
    eventId: null, time: new Date(newest(u.lastUpdated, u.statusChanged, u.created) ?? readAt).toISOString(),
    person: {
      oktaId: u.id, login: u.profile.login, email: u.profile.email || null, displayName: u.profile.displayName || name || null,
      givenName: u.profile.firstName || null, familyName: u.profile.lastName || null, status: STATUS[u.status.toUpperCase()] ?? 'active',
    },
  };
}

export function groupFact(g: z.infer<typeof OktaGroup>, readAt: string): DirectoryFactValue {
  return { eventId: null, time: new Date(newest(g.lastUpdated, g.created) ?? readAt).toISOString(), group: { oktaId: g.id, name: g.profile.name } };
}

/** Where a backfill stands: the list being read, the page to read next, the groups whose members are still to read. */
interface Cursor {
  phase: 'users' | 'groups' | 'members';
  next: string | null;
  groups: string[];
}

/** The backfill's pages: users, then groups, then each group's members (one delivery per group, however many pages). */
export function oktaHistory(orgUrl: string, apiToken: string, http: OutboundHttp): HistorySource {
  const base = new URL(orgUrl);
  const client = new OktaManagementClient(base, apiToken, http);
  return {
    async page(_range, after): Promise<HistoryPage> {
      const cursor: Cursor = after ? JSON.parse(after) : { phase: 'users', next: null, groups: [] };
      const readAt = new Date().toISOString();
      if (cursor.phase === 'users') {
        const page = await client.list(cursor.next ?? `/api/v1/users?limit=${PAGE_LIMIT}`);
        const deliveries = page.items.map((u) => ({ contentType: OKTA_TYPES.user, body: JSON.stringify(u) }));
        const next: Cursor = page.next ? { ...cursor, next: page.next } : { phase: 'groups', next: null, groups: [] };
        return { deliveries, next: JSON.stringify(next) };
      }
      if (cursor.phase === 'groups') {
        const page = await client.list(cursor.next ?? `/api/v1/groups?limit=${PAGE_LIMIT}`);
        const groups = [...cursor.groups, ...page.items.map((g) => String((g as { id: unknown }).id))];
        const deliveries = page.items.map((g) => ({ contentType: OKTA_TYPES.group, body: JSON.stringify(g) }));
        const next: Cursor | null = page.next ? { phase: 'groups', next: page.next, groups } : groups.length ? { phase: 'members', next: null, groups } : null;
        return { deliveries, next: next && JSON.stringify(next) };
      }
      const [groupId, ...rest] = cursor.groups;
      const users: unknown[] = [];
      let url: string | null = `/api/v1/groups/${encodeURIComponent(groupId)}/users?limit=${PAGE_LIMIT}`;
      while (url) {
        const page = await client.list(url);
        users.push(...page.items);
        url = page.next;
      }
      const body = JSON.stringify({ groupId, readAt, users });
      return { deliveries: [{ contentType: OKTA_TYPES.members, body }], next: rest.length ? JSON.stringify({ phase: 'members', next: null, groups: rest }) : null };
    },
  };
}

const logger = new Logger('okta');

/** Okta's management API, through the outbound policy; every call on the org's own origin (a `next` link elsewhere is refused). */
class OktaManagementClient {
  constructor(private readonly base: URL, private readonly apiToken: string, private readonly http: OutboundHttp) {}

  async list(pathOrUrl: string): Promise<{ items: unknown[]; next: string | null }> {
    const url = new URL(pathOrUrl, this.base);
    // the token goes only to the configured org: a Link header naming another origin is not followed
    if (url.origin !== this.base.origin) throw new SourceFailed('okta_bad_link', 'Okta\'s next-page link names another host', false);
    let answer;
    try {
      answer = await this.http.request({ url: url.toString(), target: OKTA_TARGET, method: 'GET',
        headers: { accept: 'application/json', authorization: `SSWS ${this.apiToken}` } });
    } catch (err) {
      if (err instanceof OutboundError) throw new SourceFailed(err.code, `Okta could not be called: ${err.message}`, err.code !== 'outbound_url_refused', { cause: err });
      throw err;
    }
    if (answer.status === 429) {
      const reset = Number(answer.headers['x-rate-limit-reset']);
      throw new SourceRateLimited(Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : DEFAULT_RESET_MS);
    }
    if (answer.status !== 200) {
      // what Okta said (errorCode, errorSummary) goes to the log, never to the API
      logger.warn({ message: 'Okta management API call failed', status: answer.status, body: answer.body.toString('utf8').slice(0, 500) });
      if (answer.status === 401 || answer.status === 403) throw new SourceFailed('okta_unauthorized', `Okta refused the API token (HTTP ${answer.status})`, false);
      throw new SourceFailed('okta_failed', `Okta answered HTTP ${answer.status}`, answer.status >= 500);
    }
    let items: unknown;
    try {
      items = JSON.parse(answer.body.toString('utf8'));
    } catch {
      throw new SourceFailed('okta_bad_answer', 'Okta answered with a body that is not JSON', true);
    }
    if (!Array.isArray(items)) throw new SourceFailed('okta_bad_answer', 'Okta answered with something other than a list', false);
    return { items, next: nextLink(answer.headers.link) };
  }
}

/** The `rel="next"` URL of a Link header (Okta sends `self` and `next` links, comma separated). */
export function nextLink(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(m[2])) return m[1];
  }
  return null;
}
