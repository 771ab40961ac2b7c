import type { DigestNotice, IncidentNotice, OwnerLossNotice } from '../target-connector';
import { isWebUrl } from '../web-url';

/*
 * The messages a Teams Workflows webhook ("When a Teams webhook request is received") posts: a Bot
 * Framework message whose attachments the default flow posts one by one as Adaptive Cards (the only
 * card Workflows renders in full; MessageCard is gone with the Office 365 connectors). Pure: no I/O.
 */

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  size?: 'Small' | 'Medium' | 'Large';
  weight?: 'Bolder';
  color?: 'Attention' | 'Good' | 'Warning';
  isSubtle?: true;
  spacing?: 'Medium';
}
export interface FactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}
export interface Container {
  type: 'Container';
  items: CardElement[];
  separator?: true;
}
export type CardElement = TextBlock | FactSet | Container;

export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  /** 1.4: what Teams renders on every client (mobile included); nothing here needs 1.5 */
  version: '1.4';
  body: CardElement[];
  actions: OpenUrlAction[];
}

/** The body the Workflows trigger takes: the default flow loops over `attachments`. */
export interface WorkflowsMessage {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }[];
}

/** Links to the first assets only: the facts name all of them, and a card's action row has little room. */
const MAX_ASSET_LINKS = 3;
/** Assets named in the facts; a bulk incident's full list belongs in the catalog, not in a channel. */
const MAX_ASSETS_NAMED = 10;
/** Incidents listed in a digest card: a Teams message is capped at about 28 KB, and a channel is read by people. */
export const MAX_DIGEST_INCIDENTS = 20;

const HEADLINES: Record<IncidentNotice['change'], string> = {
  opened: 'New incident',
  updated: 'Incident updated',
  resolved: 'Resolved',
  reopened: 'Reopened',
};

/**
 * One incident's card. Workflows gives back nothing to edit, so each change is a new card: its
 * headline says what changed (a resolved incident's says Resolved), its facts the whole current state.
 */
export function incidentCard(notice: IncidentNotice): WorkflowsMessage {
  const resolved = notice.status === 'resolved';
  return message(
    [
      { type: 'TextBlock', text: `${HEADLINES[notice.change]} · ${notice.source} · ${formatTime(notice.changedAt)}`, wrap: true, weight: 'Bolder', color: resolved ? 'Good' : 'Attention' },
      { type: 'TextBlock', text: headline(notice), wrap: true, size: 'Medium', weight: 'Bolder' },
      { type: 'FactSet', facts: incidentFacts(notice) },
    ],
    [
      ...(isWebUrl(notice.sourceUrl) ? [{ type: 'Action.OpenUrl' as const, title: `Open in ${notice.source}`, url: notice.sourceUrl! }] : []),
      ...notice.assets.filter((a) => isWebUrl(a.url)).slice(0, MAX_ASSET_LINKS)
        .map((a) => ({ type: 'Action.OpenUrl' as const, title: `View ${shortName(a.qualifiedName)}`, url: a.url })),
    ],
  );
}

/** One card listing a digest window's incidents, each with its severity, state and reach. */
export function digestCard(digest: DigestNotice): WorkflowsMessage {
  const shown = digest.incidents.slice(0, MAX_DIGEST_INCIDENTS);
  const more = digest.incidents.length - shown.length;
  const count = digest.incidents.length;
  return message(
    [
      { type: 'TextBlock', text: `${count} ${count === 1 ? 'incident' : 'incidents'} from ${formatTime(digest.from)} to ${formatTime(digest.to)}`, wrap: true, size: 'Medium', weight: 'Bolder' },
      ...shown.map((n): Container => ({
        type: 'Container', separator: true,
        items: [
          { type: 'TextBlock', text: headline(n), wrap: true, weight: 'Bolder' },
          { type: 'TextBlock', text: digestLine(n), wrap: true, isSubtle: true },
        ],
      })),
      ...(more > 0 ? [{ type: 'TextBlock' as const, text: `…and ${more} more`, wrap: true as const, spacing: 'Medium' as const }] : []),
    ],
    [],
  );
}

/** One card per owner lost: who and why, then the assets left without them, with links to the first few. */
export function ownerLossCard(notice: OwnerLossNotice): WorkflowsMessage {
  const total = notice.assets.length + notice.more;
  const named = notice.assets.map((a) => `${a.qualifiedName} (${a.typeName})`);
  return message(
    [
      { type: 'TextBlock', text: `Owner ${notice.reason} · ${formatTime(notice.at)}`, wrap: true, weight: 'Bolder', color: 'Warning' },
      { type: 'TextBlock', text: `${total} ${total === 1 ? 'asset' : 'assets'} lost ${notice.who}`, wrap: true, size: 'Medium', weight: 'Bolder' },
      { type: 'FactSet', facts: [
        { title: notice.kind === 'group' ? 'Group' : 'Person', value: notice.who },
        { title: 'Owner', value: notice.owners.join(', ') },
        { title: 'Reason', value: notice.reason },
        { title: total === 1 ? 'Asset' : 'Assets', value: named.join(', ') + (notice.more > 0 ? ` and ${notice.more} more` : '') || 'none' },
      ] },
    ],
    notice.assets.filter((a) => isWebUrl(a.url)).slice(0, MAX_ASSET_LINKS)
      .map((a) => ({ type: 'Action.OpenUrl' as const, title: `View ${shortName(a.qualifiedName)}`, url: a.url })),
  );
}

/** The card `POST /v1/connectors/{id}/test` sends. */
export function testCard(): WorkflowsMessage {
  return message(
    [
      { type: 'TextBlock', text: 'Tributary test message', wrap: true, size: 'Medium', weight: 'Bolder' },
      { type: 'TextBlock', text: 'This workflow is connected: incident notices from Tributary will be posted here.', wrap: true },
    ],
    [],
  );
}

function message(body: CardElement[], actions: OpenUrlAction[]): WorkflowsMessage {
  return {
    type: 'message',
    attachments: [{
      contentType: ADAPTIVE_CARD_CONTENT_TYPE,
      contentUrl: null,
      content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body, actions },
    }],
  };
}

const headline = (n: IncidentNotice) => (n.severity ? `${n.severity} · ${n.title}` : n.title);

function incidentFacts(n: IncidentNotice): FactSet['facts'] {
  const named = n.assets.slice(0, MAX_ASSETS_NAMED).map((a) => a.qualifiedName);
  const unnamed = n.assets.length - named.length;
  return [
    { title: 'Status', value: statusText(n) },
    { title: 'Severity', value: n.severity ?? 'none given' },
    { title: 'Type', value: n.type },
    { title: 'Owner', value: n.owner ?? 'none' },
    { title: n.assets.length === 1 ? 'Asset' : 'Assets', value: named.join(', ') + (unnamed > 0 ? ` and ${unnamed} more` : '') || 'none' },
    { title: 'Downstream', value: assetCount(n.downstream.count) },
    ...(n.downstream.owners.length > 0
      ? [{ title: 'Downstream owners', value: n.downstream.owners.map((o) => `${o.owner} (${o.assets})`).join(', ') }]
      : []),
  ];
}

function digestLine(n: IncidentNotice): string {
  const on = n.assets.length === 1 ? n.assets[0]!.qualifiedName : `${n.assets.length} assets`;
  return `${statusText(n)} · ${n.type} · on ${on} · downstream ${assetCount(n.downstream.count)}`;
}

const statusText = (n: IncidentNotice) => `${n.status === 'resolved' ? 'Resolved' : 'Open'}${n.rawStatus ? ` (${n.rawStatus})` : ''}`;
const assetCount = (count: number) => (count === 0 ? 'none' : `${count} ${count === 1 ? 'asset' : 'assets'}`);
/** `snowflake/acme/ANALYTICS/PUBLIC/ORDERS` → `ORDERS`, for a button's short label. */
const shortName = (qualifiedName: string) => qualifiedName.split('/').filter(Boolean).pop() ?? qualifiedName;
/** `2026-12-03 10:00 UTC`: the card is read in every time zone, so the zone is named. */
const formatTime = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

