import { incidentTag, ownerLossTag } from '../incident-tag';
import type { DigestNotice, IncidentNotice, OwnerLossNotice } from '../target-connector';
import { isWebUrl } from '../web-url';

/*
 * The bodies Freshdesk API v2 is sent: a ticket (`POST /api/v2/tickets`) and a note
 * (`POST /api/v2/tickets/{id}/notes`). Descriptions and notes are HTML, so every text from a
 * source (titles, names, owners) is escaped, and only http(s) URLs become links. Pure: no I/O.
 */

/** Freshdesk's ticket status codes ([3P]): 2 Open, 3 Pending, 4 Resolved, 5 Closed. */
export const TICKET_STATUS = { open: 2, resolved: 4 } as const;
/** Freshdesk's ticket source code for a ticket raised through the portal or the API ([3P]: 2 Portal). */
const SOURCE_PORTAL = 2;
/** Freshdesk's priorities ([3P]): 1 Low, 2 Medium, 3 High, 4 Urgent. */
export const LOW_PRIORITY = 1;
export const DEFAULT_PRIORITY_BY_SEVERITY: Readonly<Record<string, number>> = { 'SEV-1': 4, 'SEV-2': 3, 'SEV-3': 2 };
/** [?] Freshdesk's subject limit is not in the contract; 255 is the usual column size, and a subject is read whole anyway. */
const MAX_SUBJECT_CHARS = 255;
/** Incidents listed in a digest ticket: one ticket stays readable; the catalog holds the full list. */
export const MAX_DIGEST_INCIDENTS = 100;
const MAX_ASSETS_NAMED = 10;

/** What a ticket takes from the connector's config besides the notice. */
export interface TicketDefaults {
  requesterEmail: string;
  priorityBySeverity: Readonly<Record<string, number>>;
  tags: readonly string[];
  type?: string;
  groupId?: number;
}

/** The body of `POST /api/v2/tickets`. */
export interface TicketBody {
  subject: string;
  description: string;
  email: string;
  priority: number;
  status: number;
  source: number;
  tags: string[];
  type?: string;
  group_id?: number;
}

const HEADLINES: Record<IncidentNotice['change'], string> = {
  opened: 'New incident',
  updated: 'Incident updated',
  resolved: 'Resolved',
  reopened: 'Reopened',
};

/**
 * A severity's priority: the configured map's entry, matched without regard to case (sources spell
 * `SEV-1` and `sev-1`); a severity it does not name, or none, is Low.
 */
export function priorityFor(severity: string | null, map: Readonly<Record<string, number>>): number {
  if (severity === null) return LOW_PRIORITY;
  const wanted = severity.trim().toUpperCase();
  const entry = Object.entries(map).find(([key]) => key.trim().toUpperCase() === wanted);
  return entry ? entry[1] : LOW_PRIORITY;
}

/**
 * The ticket for one incident, in its current state (Resolved when it is already resolved), tagged
 * `tributary-incident-<id>` besides the configured tags: the account's webhooks name the incident by it.
 */
export function incidentTicket(notice: IncidentNotice, defaults: TicketDefaults): TicketBody {
  return ticket(defaults, {
    subject: headline(notice),
    description: `${changeLine(notice)}\n${factsHtml(notice)}`,
    priority: priorityFor(notice.severity, defaults.priorityBySeverity),
    status: notice.status === 'resolved' ? TICKET_STATUS.resolved : TICKET_STATUS.open,
  }, [incidentTag(notice.incidentId)]);
}

/** A private note saying what changed, with the incident's whole current state. */
export function incidentNote(notice: IncidentNotice): { body: string; private: true } {
  return { body: `${changeLine(notice)}\n${factsHtml(notice)}`, private: true };
}

/** One ticket listing a digest window's incidents; its priority is the highest of theirs. */
export function digestTicket(digest: DigestNotice, defaults: TicketDefaults): TicketBody {
  const shown = digest.incidents.slice(0, MAX_DIGEST_INCIDENTS);
  const more = digest.incidents.length - shown.length;
  const count = `${digest.incidents.length} ${digest.incidents.length === 1 ? 'incident' : 'incidents'}`;
  const window = `${formatTime(digest.from)} to ${formatTime(digest.to)}`;
  const items = shown.map((n) => {
    const source = sourceLink(n);
    return `<li><strong>${escapeHtml(headline(n))}</strong>: ${escapeHtml(summary(n))}${source && ` ${source}`}</li>`;
  });
  return ticket(defaults, {
    subject: `${count} from ${window}`,
    description: `<p>${escapeHtml(count)} from ${escapeHtml(window)}:</p>\n<ol>\n${items.join('\n')}\n</ol>` +
      (more > 0 ? `\n<p>…and ${more} more.</p>` : ''),
    priority: digest.incidents.reduce((highest, n) => Math.max(highest, priorityFor(n.severity, defaults.priorityBySeverity)), LOW_PRIORITY),
    status: TICKET_STATUS.open,
  });
}

/** One ticket per owner lost, Low (no severity), tagged with the loss: who and why, then the assets left without them. */
export function ownerLossTicket(n: OwnerLossNotice, defaults: TicketDefaults): TicketBody {
  const total = n.assets.length + n.more;
  const items = n.assets.map((a) => `<li>${link(a.url, a.qualifiedName)} (${escapeHtml(a.typeName)})</li>`);
  return ticket(defaults, {
    subject: `${total} ${total === 1 ? 'asset' : 'assets'} lost their owner ${n.who} (${n.reason})`,
    description: `<p><strong>${escapeHtml(n.who)}</strong> was ${escapeHtml(n.reason)} in the directory (${formatTime(n.at)}); `
      + `the assets owned by ${escapeHtml(n.owners.join(', '))} have no owner now:</p>\n<ul>\n${items.join('\n')}\n</ul>`
      + (n.more > 0 ? `\n<p>…and ${n.more} more.</p>` : ''),
    priority: LOW_PRIORITY,
    status: TICKET_STATUS.open,
  }, [ownerLossTag(n.lossId)]);
}

/** The ticket `POST /v1/connectors/{id}/test` raises: Low, and saying it may be closed. */
export function testTicket(defaults: TicketDefaults): TicketBody {
  return ticket(defaults, {
    subject: 'Tributary test ticket',
    description: '<p>Tributary raised this ticket to test its Freshdesk connector: incident tickets will be raised like it. It can be closed.</p>',
    priority: LOW_PRIORITY,
    status: TICKET_STATUS.open,
  });
}

function ticket(defaults: TicketDefaults, fields: Pick<TicketBody, 'subject' | 'description' | 'priority' | 'status'>, tags: string[] = []): TicketBody {
  return {
    ...fields,
    subject: fields.subject.length > MAX_SUBJECT_CHARS ? `${fields.subject.slice(0, MAX_SUBJECT_CHARS - 1)}…` : fields.subject,
    email: defaults.requesterEmail,
    source: SOURCE_PORTAL,
    tags: [...new Set([...defaults.tags, ...tags])],
    ...(defaults.type !== undefined ? { type: defaults.type } : {}),
    ...(defaults.groupId !== undefined ? { group_id: defaults.groupId } : {}),
  };
}

/** `&`, `<`, `>`, `"` and `'` as entities: safe in element text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const headline = (n: IncidentNotice) => (n.severity ? `[${n.severity}] ${n.title}` : n.title);

function changeLine(n: IncidentNotice): string {
  return `<p><strong>${HEADLINES[n.change]}</strong>: ${escapeHtml(headline(n))} (from ${escapeHtml(n.source)}, ${formatTime(n.changedAt)})</p>`;
}

function factsHtml(n: IncidentNotice): string {
  const named = n.assets.slice(0, MAX_ASSETS_NAMED).map((a) => link(a.url, a.qualifiedName));
  const unnamed = n.assets.length - named.length;
  const facts: [string, string][] = [
    ['Status', escapeHtml(statusText(n))],
    ['Severity', escapeHtml(n.severity ?? 'none given')],
    ['Type', escapeHtml(n.type)],
    ['Owner', escapeHtml(n.owner ?? 'none')],
    [n.assets.length === 1 ? 'Asset' : 'Assets', (named.join(', ') || 'none') + (unnamed > 0 ? ` and ${unnamed} more` : '')],
    ['Downstream', escapeHtml(assetCount(n.downstream.count))],
    ...(n.downstream.owners.length > 0
      ? [['Downstream owners', escapeHtml(n.downstream.owners.map((o) => `${o.owner} (${o.assets})`).join(', '))] as [string, string]]
      : []),
    ['Incident', escapeHtml(n.incidentId)],
  ];
  const items = facts.map(([label, html]) => `<li><strong>${label}:</strong> ${html}</li>`);
  const source = sourceLink(n);
  return `<ul>\n${items.join('\n')}\n</ul>${source && `\n<p>${source}</p>`}`;
}

function summary(n: IncidentNotice): string {
  const on = n.assets.length === 1 ? n.assets[0]!.qualifiedName : `${n.assets.length} assets`;
  return `${statusText(n)}, ${n.type}, on ${on}, downstream ${assetCount(n.downstream.count)}`;
}

/** `<a>Open in montecarlo</a>`, or '' when the source gave no usable link. */
const sourceLink = (n: IncidentNotice) => (isWebUrl(n.sourceUrl) ? link(n.sourceUrl!, `Open in ${n.source}`) : '');

/** A link for an http(s) URL; anything else (a `javascript:` URL from a source) is shown as text only. */
function link(url: string, text: string): string {
  return isWebUrl(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}


const statusText = (n: IncidentNotice) => `${n.status === 'resolved' ? 'Resolved' : 'Open'}${n.rawStatus ? ` (${n.rawStatus})` : ''}`;
const assetCount = (count: number) => (count === 0 ? 'none' : `${count} ${count === 1 ? 'asset' : 'assets'}`);
/** `2026-12-03 10:00 UTC`: agents read tickets in every time zone, so the zone is named. */
const formatTime = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
