import type { WrittenState } from '@tributary/store';

/** What Tributary knows of an asset that the catalog is told (read in one transaction). */
export interface AssetFacts {
  /** the asset's own attributes (its `certificate` is Tributary's deprecation, not the catalog's certificateStatus) */
  attributes: Record<string, unknown>;
  /** values rules derived from upstream (upstreamDeprecated: the deprecated upstream assets' names); the asset's own win */
  derivedAttributes: Record<string, unknown>;
  /** open incidents on the asset itself */
  openIncidents: { id: string; title: string | null; externalId: string; type: string; severity: string | null; state: string }[];
  /** whether Monte Carlo ever reported an incident on the asset: it is monitored */
  monitored: boolean;
  /** open incidents upstream (incident propagation's count) */
  upstreamOpenIncidents: number;
  /** Tributary's propagated tags on the asset, by name */
  propagatedTags: string[];
}

/** Every attribute of the announcement, all removed together (explicit nulls, contract §4.2). */
const ANNOUNCEMENT = ['announcementType', 'announcementTitle', 'announcementMessage'] as const;
/** The catalog's own limit on an announcement is unknown: keep it readable. */
const MAX_LISTED = 5;

const sortedUnique = (values: (string | null | undefined)[]) =>
  [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))].sort();

/** The stable name of an incident in the catalog's assetMcIncidentQualifiedNames. */
export const incidentQualifiedName = (incidentId: string) => `tributary/incidents/${incidentId}`;

const listed = (names: string[]) => (names.length > MAX_LISTED
  ? `${names.slice(0, MAX_LISTED).join('; ')}; and ${names.length - MAX_LISTED} more` : names.join('; '));

/**
 * The state the catalog entity should show of the asset (contract §4): its open incidents as Atlan's
 * Monte Carlo attributes (sorted lists, empty when none), an announcement (`issue` with incidents on
 * the asset, `warning` with only upstream incidents or deprecated upstream assets, none when
 * healthy), DEPRECATED when Tributary deprecated the asset, and its propagated tags under the
 * catalog's names. Nothing in it changes from one write to the next (no sync time), so the same
 * state written twice changes nothing.
 *
 * The announcement and the certificate are present only when there is something to say: an
 * attribute Tributary never set is never touched (the diff clears only what was written before).
 */
export function desiredState(facts: AssetFacts, catalogTagName: (name: string) => string): WrittenState {
  const incidents = [...facts.openIncidents].sort((a, b) => a.id.localeCompare(b.id));
  const titles = sortedUnique(incidents.map((i) => i.title ?? i.externalId));
  const attributes: Record<string, unknown> = {
    assetMcIncidentNames: titles,
    assetMcIncidentQualifiedNames: sortedUnique(incidents.map((i) => incidentQualifiedName(i.id))),
    assetMcIncidentTypes: sortedUnique(incidents.map((i) => i.type)),
    assetMcIncidentSeverities: sortedUnique(incidents.map((i) => i.severity)),
    assetMcIncidentStates: sortedUnique(incidents.map((i) => i.state)),
  };
  // only ever true: false would contradict Atlan's own Monte Carlo crawler, which knows the monitors
  if (facts.monitored) attributes.assetMcIsMonitored = true;

  const upstreamDeprecated = deprecatedUpstream(facts);
  if (incidents.length > 0) {
    attributes.announcementType = 'issue';
    attributes.announcementTitle = incidents.length === 1 ? `Open incident: ${titles[0]}` : `${incidents.length} open incidents`;
    attributes.announcementMessage = `Tributary reports ${incidents.length === 1 ? 'an open incident' : 'open incidents'} on this asset: ${listed(titles)}.`;
  } else if (facts.upstreamOpenIncidents > 0 || upstreamDeprecated.length > 0) {
    const parts = [
      facts.upstreamOpenIncidents > 0 ? `${facts.upstreamOpenIncidents} open incident${facts.upstreamOpenIncidents === 1 ? '' : 's'} upstream` : null,
      upstreamDeprecated.length > 0 ? `deprecated upstream: ${listed(upstreamDeprecated)}` : null,
    ].filter((p): p is string => p !== null);
    attributes.announcementType = 'warning';
    attributes.announcementTitle = facts.upstreamOpenIncidents > 0 ? 'Upstream incident' : 'Upstream asset deprecated';
    attributes.announcementMessage = `Tributary reports ${parts.join('; ')}.`;
  }
  if (facts.attributes.certificate === 'DEPRECATED') {
    attributes.certificateStatus = 'DEPRECATED';
    const reason = facts.attributes.deprecationMessage ?? facts.attributes.certificateMessage;
    attributes.certificateStatusMessage = typeof reason === 'string' && reason.length > 0 ? reason : 'Deprecated in Tributary.';
  }
  return { attributes, tags: sortedUnique(facts.propagatedTags.map(catalogTagName)) };
}

function deprecatedUpstream(facts: AssetFacts): string[] {
  const own = facts.attributes.upstreamDeprecated;
  const value = own !== undefined ? own : facts.derivedAttributes.upstreamDeprecated;
  if (Array.isArray(value)) return sortedUnique(value.map((v) => (typeof v === 'string' ? v : null)));
  return typeof value === 'string' && value.length > 0 ? [value] : [];
}

/** What a write must send to bring the entity from what was written to what is wanted. */
export interface WritebackDiff {
  /** changed attributes; null removes one written before and no longer wanted */
  attributes: Record<string, unknown>;
  addTags: string[];
  removeTags: string[];
}

/**
 * The difference between the wanted state and the one written last (null: never written). A list
 * is sent empty only to clear what the bridge wrote before. A tag the entity holds directly that the bridge did not put there is never added (Atlas refuses it,
 * 400 ATLAS-400-00-01A) nor removed: it is someone else's.
 */
export function diffState(wanted: WrittenState, written: WrittenState | null, directTags: readonly string[]): WritebackDiff {
  const before = written ?? { attributes: {}, tags: [] };
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wanted.attributes)) {
    // an empty list the bridge never filled says nothing: sending it would only wipe what another
    // writer (Atlan's own Monte Carlo crawler) keeps there, and write every entity as it is imported
    if (!(key in before.attributes) && Array.isArray(value) && value.length === 0) continue;
    if (!sameValue(before.attributes[key], value)) attributes[key] = value;
  }
  for (const key of Object.keys(before.attributes)) {
    if (!(key in wanted.attributes) && before.attributes[key] !== null) attributes[key] = null;
  }
  // the announcement goes as a whole: a changed title with an unchanged type is still one announcement
  if (ANNOUNCEMENT.some((k) => k in attributes)) for (const k of ANNOUNCEMENT) attributes[k] = wanted.attributes[k] ?? null;
  const ours = new Set(before.tags);
  const othersDirect = new Set(directTags.filter((t) => !ours.has(t)));
  const wantedTags = wanted.tags.filter((t) => !othersDirect.has(t));
  return {
    attributes,
    addTags: wantedTags.filter((t) => !ours.has(t)),
    removeTags: before.tags.filter((t) => !wantedTags.includes(t)),
  };
}

export const isEmptyDiff = (d: WritebackDiff) => Object.keys(d.attributes).length === 0 && d.addTags.length === 0 && d.removeTags.length === 0;

/** The state written once a diff is applied: what the catalog now shows of Tributary's (the outbox). */
export function appliedState(wanted: WrittenState, written: WrittenState | null, tags: { added: string[]; removed: string[] }): WrittenState {
  const attributes = Object.fromEntries(Object.entries(wanted.attributes).filter(([, v]) => v !== null));
  const before = new Set(written?.tags ?? []);
  for (const t of tags.added) before.add(t);
  for (const t of tags.removed) before.delete(t);
  return { attributes, tags: [...before].sort() };
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
