/**
 * The label (Jira) or tag (Freshdesk) a target puts on every issue or ticket it opens about an
 * incident: a search finds the issue again by it, and a webhook about the issue names its incident
 * by it, without a lookup.
 */
const INCIDENT_TAG_PREFIX = 'tributary-incident-';

export const incidentTag = (incidentId: string) => `${INCIDENT_TAG_PREFIX}${incidentId}`;

/**
 * The incident the first such tag names, or null when none does (an issue or ticket not ours).
 * The prefix is matched in any case: Freshdesk's tags are case-insensitive ([?] whether it keeps
 * their case is not in the contract).
 */
export function incidentIdInTags(tags: readonly string[]): string | null {
  const tag = tags.find((t) => t.length > INCIDENT_TAG_PREFIX.length && t.slice(0, INCIDENT_TAG_PREFIX.length).toLowerCase() === INCIDENT_TAG_PREFIX);
  return tag === undefined ? null : tag.slice(INCIDENT_TAG_PREFIX.length);
}

/**
 * The label (Jira) or tag (Freshdesk) on an issue or ticket about an owner lost: finds it again, and
 * is never read as an incident's (its prefix is not the incident one).
 */
export const ownerLossTag = (lossId: string) => `tributary-owner-loss-${lossId}`;
