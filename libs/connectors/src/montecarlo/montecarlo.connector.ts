import { z } from 'zod';
import { IncidentObservation } from '@tributary/contracts';
import { NormalizeError, parseJson, SourceConnector } from '../source-connector';
import { MONTE_CARLO_GRAPHQL_ENDPOINT, MONTE_CARLO_TARGET, MonteCarloGraphqlClient } from './graphql/montecarlo-graphql.client';
import { currentStateSource, historySource, NODE_TYPES, STATE_TYPES } from './montecarlo-api.source';
import { MonteCarloAlertNodeSchema, MonteCarloIncidentNodeSchema } from './graphql/montecarlo-graphql.schema';
import { normalizeAlertNode, normalizeIncidentNode } from './graphql/montecarlo-incident-node.normalizer';
import { verifyMonteCarloSignature, MONTE_CARLO_SIGNATURE_HEADER } from './montecarlo-signature';
import { classifyMonteCarloDelivery } from './montecarlo-webhook.schema';
import { normalizeMonteCarloWebhook } from './montecarlo-normalizer';
import { mapTableRef, TableMappingConfig } from './table-mapping';

export const MonteCarloConfig = z.strictObject({
  /** How Monte Carlo table ids become catalog qualified names; the first matching rule wins. */
  mappings: TableMappingConfig.min(1, 'give at least one mapping rule'),
  /** GraphQL API credentials, for backfills and reconciliation. */
  graphql: z.strictObject({
    apiId: z.string().min(1).max(256),
    apiToken: z.string().min(1).max(1024),
    /**
     * https, on Monte Carlo's hosts (or the platform's TRIBUTARY_OUTBOUND_ALLOWED_HOSTS); a new
     * endpoint needs `apiToken` entered again, so that a stored token is never sent somewhere new
     */
    endpoint: z.string().url().max(2048).default(MONTE_CARLO_GRAPHQL_ENDPOINT),
    /** which of Monte Carlo's models a backfill reads: incidents (getIncidents), alerts (getAlerts), or both in turn */
    models: z.array(z.enum(['incidents', 'alerts'])).min(1).default(['incidents', 'alerts']),
  }).optional(),
});
export type MonteCarloConfig = z.infer<typeof MonteCarloConfig>;

/** The content type of a logged webhook body, as sent. */
export const WEBHOOK_CONTENT_TYPE = 'application/json';
/** Deliveries that are not incidents have no incident to keep in order; they share one key. */
const IGNORED_ORDERING_KEY = 'ignored';
/** A state read for a reopen's confirmation waits no longer than this: the ingest stream waits on it. */
const STATE_READ_TIMEOUT_MS = 5000;

/** Monte Carlo (montecarlodata.com): incident webhooks, and its GraphQL API for history and the current state. */
export const montecarloConnector: SourceConnector<MonteCarloConfig> = {
  kind: 'source',
  type: 'montecarlo',
  description: 'Monte Carlo data-observability incidents: signed webhooks (x-mcd-signature), GraphQL backfills and reconciliation',
  configSchema: MonteCarloConfig,
  secretPaths: ['graphql.apiToken'],
  outboundUrls: [{ path: 'graphql.endpoint', target: MONTE_CARLO_TARGET, secretPaths: ['graphql.apiToken'] }],

  verifySignature(rawBody, headers, signingSecret) {
    const header = headers[MONTE_CARLO_SIGNATURE_HEADER];
    return verifyMonteCarloSignature(rawBody, Array.isArray(header) ? header[0] : header, signingSecret);
  },

  validateBody(body) {
    const delivery = classifyMonteCarloDelivery(body);
    if (delivery.kind === 'invalid') return { ok: false, issues: delivery.issues };
    return { ok: true, orderingKey: delivery.kind === 'incident' ? delivery.value.payload.incident_id : IGNORED_ORDERING_KEY };
  },

  normalize(delivery, config) {
    const body = parseJson(delivery.body);
    const mapTable = (ref: string) => mapTableRef(ref, config.mappings, {}).qualifiedName;
    switch (delivery.contentType) {
      case WEBHOOK_CONTENT_TYPE: {
        const classified = classifyMonteCarloDelivery(body);
        if (classified.kind === 'invalid') throw new NormalizeError(classified.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
        if (classified.kind === 'ignored') return { ignored: classified.ignored };
        return { observations: [normalizeMonteCarloWebhook(classified.value, Buffer.from(delivery.body, 'utf8'), config.mappings)] };
      }
      case NODE_TYPES.incidents:
        return { observations: [normalizeNode(MonteCarloIncidentNodeSchema, body, (n) => normalizeIncidentNode(n, mapTable))] };
      case NODE_TYPES.alerts:
        return { observations: [normalizeNode(MonteCarloAlertNodeSchema, body, (n) => normalizeAlertNode(n, mapTable))] };
      case STATE_TYPES.incidents:
        return { observations: [asCurrentState(normalizeNode(MonteCarloIncidentNodeSchema, body, (n) => normalizeIncidentNode(n, mapTable)), delivery.id)] };
      case STATE_TYPES.alerts:
        return { observations: [asCurrentState(normalizeNode(MonteCarloAlertNodeSchema, body, (n) => normalizeAlertNode(n, mapTable)), delivery.id)] };
      default:
        throw new NormalizeError(`unknown content type ${delivery.contentType}`);
    }
  },

  history(config, http) {
    if (!config.graphql) return undefined;
    const { apiId, apiToken, endpoint, models } = config.graphql;
    return historySource(new MonteCarloGraphqlClient({ apiId, apiToken, endpoint, http }), models);
  },

  currentState(config, http) {
    if (!config.graphql) return undefined;
    const { apiId, apiToken, endpoint, models } = config.graphql;
    return currentStateSource(new MonteCarloGraphqlClient({ apiId, apiToken, endpoint, http, timeoutMs: STATE_READ_TIMEOUT_MS }), models);
  },
};

/**
 * A node read as the incident's current state: keyed by the read (the logged delivery's id), not
 * by the state, so that a state read again after a drift is applied again instead of being taken
 * for a redelivery of the first read; the same logged record read twice is still one.
 */
function asCurrentState(observation: IncidentObservation, deliveryId: string): IncidentObservation {
  return { ...observation, deliveryKey: `${observation.source}:${observation.externalId}:state:${deliveryId}` };
}


function normalizeNode<N>(schema: z.ZodType<N>, body: unknown, normalize: (node: N) => IncidentObservation): IncidentObservation {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new NormalizeError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return normalize(parsed.data);
}

