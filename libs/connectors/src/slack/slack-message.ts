import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/web-api';
import type { DigestNotice, IncidentNotice, NoticeAsset, OwnerLossNotice } from '../target-connector';

/*
 * What Slack shows of a notice: Block Kit blocks, and `text` as the notification and screen-reader
 * fallback. Pure functions: the transport (slack-transport.ts) only posts what these build.
 */

/** A message as chat.postMessage, chat.update and incoming webhooks take it. */
export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

/** The buttons' `action_id`s: the interactivity hook reads them back (slack-signature.ts parses the click). */
export const ACKNOWLEDGE_ACTION_ID = 'tributary_acknowledge';
export const RESOLVE_ACTION_ID = 'tributary_resolve';

/** Block Kit limits a notice could exceed (Slack refuses the whole message with `invalid_blocks`). */
const MAX_HEADER_CHARS = 150;
const MAX_FIELD_CHARS = 2000;
const MAX_SECTION_CHARS = 3000;
const MAX_BLOCKS = 50;
/** A title or asset name in a list line is cut here, so that one long name cannot crowd out the others. */
const MAX_NAME_CHARS = 150;
/** A longer URL is not linked (its label is shown alone): a line of links then never needs cutting mid-link. */
const MAX_URL_CHARS = 1000;

/** The message about one incident, in its current state: buttons while it is open, none once resolved. */
export function incidentMessage(notice: IncidentNotice): SlackMessage {
  const resolved = notice.status === 'resolved';
  const heading = `${resolved ? 'Resolved: ' : ''}${severityTag(notice)} ${notice.title}`;
  const fields = [
    field('Status', escape(statusWords(notice))),
    field('Severity', escape(notice.severity ?? 'none given')),
    field('Type', escape(notice.type)),
    field('Owner', escape(notice.owner ?? 'none')),
    field(notice.assets.length > 1 ? 'Assets' : 'Asset', assetLines(notice.assets)),
    field('Source', notice.sourceUrl ? link(notice.sourceUrl, notice.source) : escape(notice.source)),
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(heading, MAX_HEADER_CHARS), emoji: false } },
    { type: 'section', fields },
    { type: 'section', text: { type: 'mrkdwn', text: cut(downstreamWords(notice), MAX_SECTION_CHARS) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: escape(`Incident ${notice.incidentId} · ${notice.change} ${stamp(notice.changedAt)}`) }] },
  ];
  if (!resolved) blocks.push(actions(notice.incidentId));
  const asset = notice.assets[0]?.qualifiedName ?? 'no asset';
  const text = escape(`${severityTag(notice)} ${notice.title}: ${statusWords(notice)} on ${asset}, ${notice.downstream.count} downstream`);
  return { text, blocks };
}

/** The short thread reply under the incident's message saying what changed. */
export function changeReply(notice: IncidentNotice): SlackMessage {
  const word = { opened: 'Opened', updated: 'Updated', resolved: 'Resolved', reopened: 'Reopened' }[notice.change];
  return { text: escape(`${word} ${stamp(notice.changedAt)}: severity ${notice.severity ?? 'none given'}, status ${statusWords(notice)}`) };
}

/**
 * One message naming every incident of a digest window, a line each (severity, title, first asset).
 * Lines are packed into sections of at most 3,000 characters; past Slack's 50 blocks the rest is
 * counted in a last line instead of making Slack refuse the whole message.
 */
export function digestMessage(digest: DigestNotice): SlackMessage {
  const count = digest.incidents.length;
  const heading = `${count} incident${count === 1 ? '' : 's'}`;
  const window = `${stamp(digest.from)} and ${stamp(digest.to)}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: heading, emoji: false } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: escape(`Between ${window}`) }] },
  ];
  // one block is kept free for the "and N more" line
  const room = MAX_BLOCKS - blocks.length - 1;
  const sections = packLines(digest.incidents.map(digestLine), MAX_SECTION_CHARS);
  const shown = sections.slice(0, room);
  blocks.push(...shown.map((s): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: s.text } })));
  const listed = shown.reduce((n, s) => n + s.lines, 0);
  if (listed < count) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${count - listed} more not listed here (a Slack message holds at most ${MAX_BLOCKS} blocks)` }] });
  }
  return { text: escape(`${heading} between ${window}`), blocks };
}

/**
 * One message per owner lost: who, why, and the assets left without them, a linked line each,
 * packed like a digest's lines; what the notice or the blocks cannot list is counted in a last line.
 */
export function ownerLossMessage(notice: OwnerLossNotice): SlackMessage {
  const total = notice.assets.length + notice.more;
  const heading = `${total} asset${total === 1 ? '' : 's'} lost ${notice.kind === 'group' ? 'their owning group' : 'their owner'}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(heading, MAX_HEADER_CHARS), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(escape(`${notice.who} was ${notice.reason} in the directory ${stamp(notice.at)}; `
      + `the assets owned by ${notice.owners.join(', ')} have no owner now.`), MAX_SECTION_CHARS) } },
  ];
  const room = MAX_BLOCKS - blocks.length - 1;
  const lines = notice.assets.map((a) => `• ${link(a.url, cut(a.qualifiedName, MAX_NAME_CHARS))} ${escape(`(${a.typeName})`)}`);
  const shown = packLines(lines, MAX_SECTION_CHARS).slice(0, room);
  blocks.push(...shown.map((s): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: s.text } })));
  const unlisted = total - shown.reduce((n, s) => n + s.lines, 0);
  if (unlisted > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${unlisted} more` }] });
  return { text: escape(`${heading}: ${notice.who} was ${notice.reason}`), blocks };
}

/** The connector test's message. */
export function testMessage(): SlackMessage {
  return { text: 'Tributary test message: incident notices for this connector will be posted here.' };
}

function actions(incidentId: string): ActionsBlock {
  return {
    type: 'actions',
    elements: [
      { type: 'button', action_id: ACKNOWLEDGE_ACTION_ID, value: incidentId, style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' } },
      { type: 'button', action_id: RESOLVE_ACTION_ID, value: incidentId, text: { type: 'plain_text', text: 'Resolve' } },
    ],
  };
}

function digestLine(notice: IncidentNotice): string {
  const title = cut(notice.title, MAX_NAME_CHARS);
  const asset = notice.assets[0];
  const on = asset ? ` on ${link(asset.url, cut(asset.qualifiedName, MAX_NAME_CHARS))}` : '';
  const resolved = notice.status === 'resolved' ? ' (resolved)' : '';
  return `• ${escape(severityTag(notice))} *${notice.sourceUrl ? link(notice.sourceUrl, title) : escape(title)}*${on}${escape(resolved)}`;
}

/** As many assets as fit in one field, a line each, then how many more there are. */
function assetLines(assets: readonly NoticeAsset[]): string {
  if (assets.length === 0) return 'none';
  // room is kept for the "and N more" line and the field's label
  const [shown] = packLines(assets.map((a) => link(a.url, cut(a.qualifiedName, MAX_NAME_CHARS))), MAX_FIELD_CHARS - 50, 1);
  const more = assets.length - shown.lines;
  return more > 0 ? `${shown.text}\nand ${more} more` : shown.text;
}

function downstreamWords(notice: IncidentNotice): string {
  const { count, owners } = notice.downstream;
  const assets = `${count} downstream asset${count === 1 ? '' : 's'}`;
  if (owners.length === 0) return `*Downstream impact*: ${assets}`;
  const who = owners.map((o) => `${escape(o.owner)} (${o.assets})`).join(', ');
  return `*Downstream impact*: ${assets}, owned by ${who}`;
}

function statusWords(notice: IncidentNotice): string {
  const word = notice.status === 'resolved' ? 'Resolved' : 'Open';
  return notice.rawStatus ? `${word} (${notice.rawStatus})` : word;
}

const severityTag = (notice: IncidentNotice) => `[${notice.severity ?? 'no severity'}]`;

const field = (label: string, value: string) => ({ type: 'mrkdwn' as const, text: cut(`*${label}*\n${value}`, MAX_FIELD_CHARS) });

/** `2026-12-03 10:00:00 UTC`: the same for every reader, whatever their time zone. */
const stamp = (at: Date) => `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/**
 * Text from a source, made inert for mrkdwn: Slack reads `<…>` as links and mentions
 * (`<!channel>`), so `&`, `<` and `>` are written as the entities Slack documents for them.
 */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An mrkdwn link; for a URL that is not http(s) (no `javascript:` or `slack:` links) or is too long, the label alone. */
function link(url: string, label: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return escape(label);
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.href.length > MAX_URL_CHARS) return escape(label);
  // `|` and `>` would end the URL part of `<url|label>` early; URL.href already encodes `<` and `>`.
  return `<${parsed.href.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${escape(label)}>`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Lines joined into chunks of at most `max` characters, in order; a single line over `max` is cut.
 * With `limit`, no more than that many chunks are made.
 */
function packLines(lines: readonly string[], max: number, limit = Infinity): { text: string; lines: number }[] {
  const chunks: { text: string; lines: number }[] = [];
  for (const line of lines.map((l) => cut(l, max))) {
    const last = chunks[chunks.length - 1];
    if (last && last.text.length + 1 + line.length <= max) {
      last.text += `\n${line}`;
      last.lines += 1;
    } else if (chunks.length < limit) {
      chunks.push({ text: line, lines: 1 });
    } else {
      break;
    }
  }
  return chunks;
}
