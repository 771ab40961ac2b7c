/**
 * The GraphQL documents Tributary sends to Monte Carlo, kept in one place so that a change to what
 * we ask for shows in review. GraphQL rejects a whole query when it selects one field the schema
 * lacks, so selections stay to fields we have evidence for (see montecarlo-graphql.schema.ts);
 * validation of the answer is loose, selection is conservative.
 *
 * Arguments travel as variables, never spliced into the text.
 */

/**
 * How many of an incident's events are read per incident (the tables an incident touches come from
 * its events). An incident with more events than this reports the tables of the first ones only;
 * the next webhook or reconciliation pass does not widen that, so keep it generous.
 */
export const EVENTS_PER_INCIDENT = 100;

/** What Tributary reads of an incident: the fields montecarlo-incident-node.normalizer.ts uses. */
const INCIDENT_NODE = `uuid
        incidentType
        incidentSubTypes
        feedback
        feedbackTime
        severity
        owner
        createdTime
        updatedTime
        events(first: ${EVENTS_PER_INCIDENT}) {
          edges { node { table { fullTableId mcon } } }
        }`;

/**
 * `getIncidents(first, after, startTime, endTime)`: argument names and types (`DateTime`) as
 * declared in Monte Carlo's published schema. Which incident time the range applies to is
 * *unconfirmed* (most likely when the incident was created), so a reconciliation pass must use a
 * window that covers every incident it wants to refresh, not just the ones that changed.
 */
export const INCIDENTS_PAGE_QUERY = `query TributaryIncidentsPage($first: Int!, $after: String, $startTime: DateTime, $endTime: DateTime) {
  getIncidents(first: $first, after: $after, startTime: $startTime, endTime: $endTime) {
    edges {
      node {
        ${INCIDENT_NODE}
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * `getIncidents(first, after, incidentIds: [UUID])`: the current state of given incidents, for
 * confirming a reopen and for reconciliation. The `incidentIds` argument is *unconfirmed* beyond
 * the `pycarlo` SDK's generated schema; no time range is sent with it.
 */
export const INCIDENTS_BY_IDS_QUERY = `query TributaryIncidentsByIds($first: Int!, $after: String, $incidentIds: [UUID]) {
  getIncidents(first: $first, after: $after, incidentIds: $incidentIds) {
    edges {
      node {
        ${INCIDENT_NODE}
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Which alert time the range filters on; both are `DateTimeRangeInput { after, before }`. */
export type MonteCarloAlertTimeField = 'createdTime' | 'updatedTime';

/**
 * `getAlerts(first, after, createdTime | updatedTime: DateTimeRangeInput)`. *Unconfirmed* beyond
 * public integrations that use it: the range input's `after`/`before` fields and the node fields
 * below. Only the one range variable in use is declared, so an account whose schema lacks
 * `updatedTime` still accepts the `createdTime` form.
 */
export function alertsPageQuery(timeField: MonteCarloAlertTimeField): string {
  return `query TributaryAlertsPage($first: Int!, $after: String, $range: DateTimeRangeInput) {
  getAlerts(first: $first, after: $after, ${timeField}: $range) {
    edges {
      node {
        id
        uuid
        type
        subTypes
        title
        status
        feedback
        severity
        url
        owner { email }
        createdTime
        updatedTime
        tables { mcon }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;
}
