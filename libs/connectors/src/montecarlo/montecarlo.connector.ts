import { z } from 'zod';
import { NormalizeError, SourceConnector } from '../source-connector';
import { verifyMonteCarloSignature, MONTE_CARLO_SIGNATURE_HEADER } from './montecarlo-signature';
import { parseMonteCarloWebhook } from './montecarlo-webhook.schema';
import { normalizeMonteCarloWebhook } from './montecarlo-normalizer';
import { TableMappingConfig } from './table-mapping';

export const MonteCarloConfig = z.strictObject({
  /** How Monte Carlo table ids become catalog qualified names; the first matching rule wins. */
  mappings: TableMappingConfig.min(1, 'give at least one mapping rule'),
  /** GraphQL API credentials, for backfills and reconciliation. */
  graphql: z.strictObject({
    apiId: z.string().min(1),
    apiToken: z.string().min(1),
    endpoint: z.string().url().default('https://api.getmontecarlo.com/graphql'),
  }).optional(),
});
export type MonteCarloConfig = z.infer<typeof MonteCarloConfig>;

/** Content type of a webhook body as Monte Carlo sent it. */
export const WEBHOOK_CONTENT_TYPE = 'application/json';

/** Monte Carlo (montecarlodata.com): incident webhooks, and its GraphQL API for history. */
export const montecarloConnector: SourceConnector<MonteCarloConfig> = {
  type: 'montecarlo',
  description: 'Monte Carlo data-observability incidents: signed webhooks (x-mcd-signature) and GraphQL backfills',
  configSchema: MonteCarloConfig,
  secretPaths: ['graphql.apiToken'],

  verifySignature(rawBody, headers, signingSecret) {
    const header = headers[MONTE_CARLO_SIGNATURE_HEADER];
    return verifyMonteCarloSignature(rawBody, Array.isArray(header) ? header[0] : header, signingSecret);
  },

  validateBody(body) {
    const parsed = parseMonteCarloWebhook(body);
    return parsed.ok ? { ok: true, orderingKey: parsed.value.payload.incident_id } : { ok: false, issues: parsed.issues };
  },

  normalize(delivery, config) {
    if (delivery.contentType !== WEBHOOK_CONTENT_TYPE) throw new NormalizeError(`unknown content type ${delivery.contentType}`);
    let body: unknown;
    try {
      body = JSON.parse(delivery.body);
    } catch (err) {
      throw new NormalizeError(`body is not JSON: ${(err as Error).message}`);
    }
    const parsed = parseMonteCarloWebhook(body);
    if (!parsed.ok) throw new NormalizeError(parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    return [normalizeMonteCarloWebhook(parsed.value, Buffer.from(delivery.body, 'utf8'), config.mappings)];
  },
};
