import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { IncidentObservation } from '@tributary/contracts';
import { HistorySource, NormalizeError, SourceConnector, SourceFailed, SourceRateLimited } from '../source-connector';
import { MONTE_CARLO_GRAPHQL_ENDPOINT, MONTE_CARLO_TARGET, MonteCarloGraphqlClient } from './graphql/montecarlo-graphql.client';
import {
  MonteCarloAuthError, MonteCarloEndpointRefused, MonteCarloGraphqlError, MonteCarloRateLimited, MonteCarloResponseError, MonteCarloUnavailable,
} from './graphql/montecarlo-graphql.errors';
import { MonteCarloAlertNodeSchema, MonteCarloIncidentNodeSchema } from './graphql/montecarlo-graphql.schema';
import { normalizeAlertNode, normalizeIncidentNode } from './graphql/montecarlo-incident-node.normalizer';
import { verifyMonteCarloSignature, MONTE_CARLO_SIGNATURE_HEADER } from './montecarlo-signature';
import { parseMonteCarloWebhook } from './montecarlo-webhook.schema';
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

/** Content types of logged deliveries: a webhook body as sent, and one GraphQL node of a backfill page. */
export const WEBHOOK_CONTENT_TYPE = 'application/json';
const INCIDENT_NODE_TYPE = 'application/vnd.montecarlo.incident+json';
const ALERT_NODE_TYPE = 'application/vnd.montecarlo.alert+json';
const PAGE_SIZE = 100;

/** Where a backfill stands: the model being read and Monte Carlo's cursor within it. */
interface HistoryCursor {
  model: 'incidents' | 'alerts';
  after: string | null;
}

/** Monte Carlo (montecarlodata.com): incident webhooks, and its GraphQL API for history. */
export const montecarloConnector: SourceConnector<MonteCarloConfig> = {
  type: 'montecarlo',
  description: 'Monte Carlo data-observability incidents: signed webhooks (x-mcd-signature) and GraphQL backfills',
  configSchema: MonteCarloConfig,
  secretPaths: ['graphql.apiToken'],
  outboundUrls: [{ path: 'graphql.endpoint', target: MONTE_CARLO_TARGET, secretPaths: ['graphql.apiToken'] }],

  verifySignature(rawBody, headers, signingSecret) {
    const header = headers[MONTE_CARLO_SIGNATURE_HEADER];
    return verifyMonteCarloSignature(rawBody, Array.isArray(header) ? header[0] : header, signingSecret);
  },

  validateBody(body) {
    const parsed = parseMonteCarloWebhook(body);
    return parsed.ok ? { ok: true, orderingKey: parsed.value.payload.incident_id } : { ok: false, issues: parsed.issues };
  },

  normalize(delivery, config) {
    const body = parseJson(delivery.body);
    const mapTable = (ref: string) => mapTableRef(ref, config.mappings, {}).qualifiedName;
    switch (delivery.contentType) {
      case WEBHOOK_CONTENT_TYPE: {
        const parsed = parseMonteCarloWebhook(body);
        if (!parsed.ok) throw new NormalizeError(parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
        return [normalizeMonteCarloWebhook(parsed.value, Buffer.from(delivery.body, 'utf8'), config.mappings)];
      }
      case INCIDENT_NODE_TYPE:
        return [normalizeNode(MonteCarloIncidentNodeSchema, body, (n) => normalizeIncidentNode(n, mapTable))];
      case ALERT_NODE_TYPE:
        return [normalizeNode(MonteCarloAlertNodeSchema, body, (n) => normalizeAlertNode(n, mapTable))];
      default:
        throw new NormalizeError(`unknown content type ${delivery.contentType}`);
    }
  },

  history(config, http) {
    if (!config.graphql) return undefined;
    const { apiId, apiToken, endpoint, models } = config.graphql;
    const client = new MonteCarloGraphqlClient({ apiId, apiToken, endpoint, http });
    return historySource(client, models);
  },
};

const logger = new Logger('montecarlo');

/**
 * A failed GraphQL call as the API may show it: the code and a message of ours. What Monte Carlo
 * said (GraphQL errors, the body that failed validation) is logged, never shown.
 */
function sourceFailed(err: MonteCarloGraphqlError): SourceFailed {
  logger.warn({ message: 'Monte Carlo GraphQL call failed', code: err.code, detail: err.message });
  const status = err instanceof MonteCarloUnavailable || err instanceof MonteCarloAuthError ? err.status : null;
  const message = err instanceof MonteCarloAuthError ? `Monte Carlo refused the API key (HTTP ${status})`
    : err instanceof MonteCarloUnavailable ? (status ? `Monte Carlo answered HTTP ${status}` : 'Monte Carlo could not be reached or did not answer in time')
      : err instanceof MonteCarloEndpointRefused ? err.message
        : err instanceof MonteCarloResponseError ? "Monte Carlo's answer could not be used (a GraphQL error, an unexpected or oversized body); the details are in the log"
          : 'the call to Monte Carlo failed; the details are in the log';
  return new SourceFailed(err.code, message, err.retryable, { cause: err });
}

/** Pages through each configured model in turn; the cursor says which model and where in it. */
function historySource(client: MonteCarloGraphqlClient, models: ('incidents' | 'alerts')[]): HistorySource {
  return {
    async page(range, after) {
      const cursor: HistoryCursor = after ? JSON.parse(after) : { model: models[0], after: null };
      const request = { since: range.since, until: range.until, after: cursor.after, first: PAGE_SIZE };
      let page;
      try {
        page = cursor.model === 'incidents' ? await client.incidentsPage(request) : await client.alertsPage(request);
      } catch (err) {
        if (err instanceof MonteCarloRateLimited) throw new SourceRateLimited(err.retryAfterMs);
        if (err instanceof MonteCarloGraphqlError) throw sourceFailed(err);
        throw err;
      }
      const contentType = cursor.model === 'incidents' ? INCIDENT_NODE_TYPE : ALERT_NODE_TYPE;
      const nextModel = models[models.indexOf(cursor.model) + 1];
      const next: HistoryCursor | null = page.hasNextPage && page.endCursor
        ? { model: cursor.model, after: page.endCursor }
        : nextModel ? { model: nextModel, after: null } : null;
      return {
        deliveries: page.nodes.map((node) => ({ contentType, body: JSON.stringify(node) })),
        next: next && JSON.stringify(next),
      };
    },
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new NormalizeError(`body is not JSON: ${(err as Error).message}`);
  }
}

function normalizeNode<N>(schema: z.ZodType<N>, body: unknown, normalize: (node: N) => IncidentObservation): IncidentObservation {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new NormalizeError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return normalize(parsed.data);
}

