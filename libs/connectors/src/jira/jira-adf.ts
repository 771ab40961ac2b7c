import type { DigestNotice, IncidentNotice, OwnerLossNotice } from '../target-connector';
import { isWebUrl } from '../web-url';

/*
 * Atlassian Document Format (ADF) for Jira Cloud REST v3, which refuses plain text in rich-text
 * fields (description, comment body). Pure: notices in, documents out.
 *
 * Every text from a notice (titles, names, owners) goes into a `text` node as it is, so Jira shows
 * it literally: wiki markup (`*bold*`, `[a|http://x]`), HTML or Markdown in an incident title is
 * never read as formatting. Only http(s) URLs become links; anything else stays text.
 */

export interface AdfMark {
  type: 'strong' | 'link';
  attrs?: { href: string };
}
export interface AdfText {
  type: 'text';
  /** ADF refuses an empty text node: builders leave empty strings out */
  text: string;
  marks?: AdfMark[];
}
export interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}
export interface AdfListItem {
  type: 'listItem';
  content: AdfParagraph[];
}
export interface AdfBulletList {
  type: 'bulletList';
  content: AdfListItem[];
}
export type AdfBlock = AdfParagraph | AdfBulletList;
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfBlock[];
}

/** How many assets a description lists, and how many incidents a digest lists: Jira caps a rich-text field at 32,767 characters. */
export const MAX_LISTED = 50;

/** A run of text; `null`, `undefined` and empty strings are left out. */
type Inline = AdfText | string | null | undefined;

export const doc = (...content: AdfBlock[]): AdfDoc => ({ type: 'doc', version: 1, content });

export function paragraph(...inline: Inline[]): AdfParagraph {
  return {
    type: 'paragraph',
    content: inline.flatMap((i): AdfText[] => (typeof i === 'string' ? (i ? [{ type: 'text', text: i }] : []) : i ? [i] : [])),
  };
}

const bulletList = (items: Inline[][]): AdfBulletList => ({
  type: 'bulletList',
  content: items.map((inline) => ({ type: 'listItem', content: [paragraph(...inline)] })),
});

const strong = (text: string): AdfText | null => (text ? { type: 'text', text, marks: [{ type: 'strong' }] } : null);

/** A link when `href` is an http(s) URL, else the text alone (a `javascript:` URL is never a link). */
function link(text: string, href: string | null): AdfText | null {
  if (!text) return null;
  return isWebUrl(href) ? { type: 'text', text, marks: [{ type: 'link', attrs: { href } }] } : { type: 'text', text };
}


/** The incident's state in one line: severity, status (with the source's own word), type, source. */
function stateLine(n: IncidentNotice): Inline[] {
  return [
    strong('Severity: '), n.severity ?? 'none given',
    ' · ', strong('Status: '), n.rawStatus ? `${n.status} (${n.rawStatus})` : n.status,
    ' · ', strong('Type: '), n.type,
    ' · ', strong('Owner: '), n.owner ?? 'none',
  ];
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The description: the incident, its assets as links, the source's page, what sits downstream. */
export function incidentDescription(n: IncidentNotice): AdfDoc {
  const listed = n.assets.slice(0, MAX_LISTED);
  const blocks: AdfBlock[] = [
    paragraph(strong(n.title)),
    paragraph(...stateLine(n)),
    paragraph(strong('Assets'), ` (${n.assets.length})`),
  ];
  if (listed.length > 0) {
    const items = listed.map((a): Inline[] => [link(a.qualifiedName, a.url), a.owner ? ` (owner: ${a.owner})` : null]);
    if (n.assets.length > listed.length) items.push([`and ${n.assets.length - listed.length} more`]);
    blocks.push(bulletList(items));
  }
  blocks.push(paragraph(strong('Downstream: '), plural(n.downstream.count, 'asset')));
  if (n.downstream.owners.length > 0) {
    blocks.push(bulletList(n.downstream.owners.map((o): Inline[] => [o.owner, `: ${plural(o.assets, 'asset')}`])));
  }
  blocks.push(paragraph(strong('Source: '), n.sourceUrl ? link(`Open in ${n.source}`, n.sourceUrl) : n.source));
  blocks.push(paragraph(`Tributary incident ${n.incidentId}, changed at ${n.changedAt.toISOString()}.`));
  return doc(...blocks);
}

const HEADLINES: Record<IncidentNotice['change'], string> = {
  opened: 'The incident was opened.',
  updated: 'The incident was updated.',
  resolved: 'The incident was resolved.',
  reopened: 'The incident was reopened.',
};

/**
 * A comment for a later change. The notice carries the incident's whole state, not a diff, so the
 * comment says which kind of change it was and the state it left.
 */
export function changeComment(n: IncidentNotice): AdfDoc {
  return doc(
    paragraph(strong(HEADLINES[n.change]), ` (${n.changedAt.toISOString()})`),
    paragraph(...stateLine(n)),
    paragraph(strong('Downstream: '), plural(n.downstream.count, 'asset')),
  );
}

/** A digest's description: one bullet per incident, with its first asset and the source's page. */
export function digestDescription(d: DigestNotice): AdfDoc {
  const listed = d.incidents.slice(0, MAX_LISTED);
  const items = listed.map((n): Inline[] => [
    strong(`[${n.severity ?? 'no severity'}] ${n.title}`),
    ` · ${n.status} · ${n.type}`,
    n.assets[0] ? ' · ' : null, n.assets[0] ? link(n.assets[0].qualifiedName, n.assets[0].url) : null,
    n.assets.length > 1 ? ` and ${plural(n.assets.length - 1, 'more asset')}` : null,
    n.sourceUrl ? ' · ' : null, link(n.sourceUrl ? `Open in ${n.source}` : '', n.sourceUrl),
  ]);
  if (d.incidents.length > listed.length) items.push([`and ${d.incidents.length - listed.length} more`]);
  return doc(
    paragraph(`${plural(d.incidents.length, 'incident')} between ${d.from.toISOString()} and ${d.to.toISOString()}:`),
    bulletList(items),
  );
}

/** An owner-loss issue's description: who was lost and why, then the assets left without them, linked. */
export function ownerLossDescription(n: OwnerLossNotice): AdfDoc {
  const items = n.assets.map((a): Inline[] => [link(a.qualifiedName, a.url), ` (${a.typeName})`]);
  if (n.more > 0) items.push([`and ${n.more} more`]);
  return doc(
    paragraph(strong(n.who), ` was ${n.reason} in the directory at ${n.at.toISOString()}.`),
    paragraph(strong('Owner: '), n.owners.join(', ')),
    paragraph(strong('Assets without an owner'), ` (${n.assets.length + n.more})`),
    ...(items.length > 0 ? [bulletList(items)] : []),
  );
}
