import type { IncidentObservation } from './incident-observation';

/** The incident fields a person can change from the tool a notice went to. */
export type ReplyFields = Partial<Pick<IncidentObservation, 'status' | 'rawStatus' | 'owner'>>;

/**
 * What a person did about a catalog incident in a tool its notice went to: a Jira transition or
 * assignment, a Freshdesk ticket's status or agent, a Slack button. It names the catalog's own
 * incident (the id the notice carried: a Jira label, a Freshdesk tag, a button's value), not the
 * source's, and states only the fields the person changed. The ingestor applies it as a partial
 * observation of that incident's own source, so it is an ordinary incident change.
 */
export interface IncidentReply {
  /** the catalog's incident id, as the tool gives it back (not yet checked to exist, nor to be this tenant's) */
  incidentId: string;
  /** only the fields the reply states; a field left out keeps the incident's value */
  fields: ReplyFields;
  /**
   * Identifies this reply for deduplication, as IncidentObservation's does: the same key twice is a
   * redelivery. Made of the tool's own ids for the event where it has them, else a hash of the body.
   */
  deliveryKey: string;
}
