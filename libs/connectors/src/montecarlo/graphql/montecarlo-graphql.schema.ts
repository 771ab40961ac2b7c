import { z } from 'zod';
import { parseMonteCarloTime } from './montecarlo-time';

/**
 * The shapes Tributary reads from Monte Carlo's GraphQL API, validated at the boundary. Objects are
 * loose (unknown fields pass through): Monte Carlo adds fields freely, and a new field must never
 * break a backfill. Only what the normalizer relies on is checked.
 *
 * Confirmed against the `pycarlo` SDK's generated schema (sgqlc): the `Incident` type has `uuid`,
 * `incidentType` (enum ANOMALIES, CUSTOM_RULE_ANOMALIES, DBT_ERRORS, DELETED_TABLES,
 * METRIC_ANOMALIES, PERFORMANCE_ANOMALIES, PSEUDO_INTEGRATION_TEST, SCHEMA_CHANGES),
 * `incidentSubTypes` ([String]), `feedback` (enum in upper case: FIXED, EXPECTED, NO_ACTION_NEEDED,
 * FALSE_POSITIVE, INVESTIGATING, …), `feedbackTime`, `severity` (String), `owner` (String),
 * `createdTime`, `updatedTime` (nullable), and `events` (a connection whose `Event.table` is a
 * warehouse table, the type `getTable` returns, with `fullTableId` and `mcon`).
 *
 * *Unconfirmed* (the newer alerts model, known only from public integrations): an `Alert` node with
 * `uuid` and/or `id`, `type`, `subTypes`, `status`, `feedback`, `severity`, `title`, `url`,
 * `owner { email }`, `createdTime`, `updatedTime`, and `tables { mcon }` (a table's `fullTableId` is
 * accepted when present). Every field but the id is therefore optional here.
 */

const dateTime = z.string().refine((text) => parseMonteCarloTime(text) !== null, {
  message: 'expected an ISO 8601 / RFC 3339 date-time',
});
const text = z.string().nullish();

/** A table as Monte Carlo names it: its full table id (`db:schema.table`) and/or its MCON. */
export const MonteCarloTableRefSchema = z.union([
  z.string().min(1),
  z.looseObject({ fullTableId: text, mcon: text }),
]);

/** `owner` is a plain email on incidents and a `{ email }` user on alerts; accept both. */
const owner = z.union([z.string(), z.looseObject({ email: text })]).nullish();

const eventNode = z.looseObject({ table: MonteCarloTableRefSchema.nullish() });
/** An incident's events: a relay connection as the schema declares, or a plain list. */
const events = z.union([
  z.looseObject({ edges: z.array(z.looseObject({ node: eventNode.nullish() }).nullable()) }),
  z.array(eventNode.nullable()),
]);

const stateFields = {
  feedback: text,
  status: text,
  severity: text,
  owner,
  title: text,
  url: text,
  createdTime: dateTime.nullish(),
  updatedTime: dateTime.nullish(),
  tables: z.array(MonteCarloTableRefSchema.nullable()).nullish(),
};

export const MonteCarloIncidentNodeSchema = z.looseObject({
  uuid: z.string().min(1),
  incidentType: text,
  incidentSubTypes: z.array(z.string()).nullish(),
  feedbackTime: dateTime.nullish(),
  events: events.nullish(),
  ...stateFields,
});
export type MonteCarloIncidentNode = z.infer<typeof MonteCarloIncidentNodeSchema>;

export const MonteCarloAlertNodeSchema = z
  .looseObject({
    uuid: text,
    id: text,
    type: text,
    subTypes: z.array(z.string()).nullish(),
    ...stateFields,
  })
  .refine((node) => !!(node.uuid || node.id), { message: 'an alert needs a uuid or an id', path: ['uuid'] });
export type MonteCarloAlertNode = z.infer<typeof MonteCarloAlertNodeSchema>;
export type MonteCarloTableRef = z.infer<typeof MonteCarloTableRefSchema>;

/** A relay connection (`edges { node }`, `pageInfo`), the form every paged root field returns. */
export function connectionSchema<N extends z.ZodType>(node: N) {
  return z.looseObject({
    edges: z.array(z.looseObject({ node: node.nullable(), cursor: text }).nullable()),
    pageInfo: z.looseObject({ hasNextPage: z.boolean(), endCursor: text }),
  });
}

/** The GraphQL response envelope; `errors` is checked before `data` is trusted. */
export const GraphqlEnvelopeSchema = z.looseObject({
  data: z.unknown().optional(),
  errors: z.array(z.looseObject({ message: z.string().optional() })).nullish(),
});
