import { Logger } from '@nestjs/common';
import type { CurrentStateSource, HistorySource, PulledDelivery } from '../source-connector';
import { SourceFailed, SourceRateLimited } from '../source-connector';
import { MonteCarloGraphqlClient, MonteCarloPage } from './graphql/montecarlo-graphql.client';
import {
  MonteCarloAuthError, MonteCarloEndpointRefused, MonteCarloGraphqlError, MonteCarloRateLimited, MonteCarloResponseError, MonteCarloUnavailable,
} from './graphql/montecarlo-graphql.errors';

/*
 * What Tributary pulls from Monte Carlo's GraphQL API, as deliveries for the inbound log: history
 * for backfills, and the current state of incidents for reopen confirmation and reconciliation.
 * Each delivery is one GraphQL node, its content type saying which model it is and why it was read.
 */

export type MonteCarloModel = 'incidents' | 'alerts';

/** A node of a backfill page: deduplicated by its state (incident, raw type, update time). */
export const NODE_TYPES: Readonly<Record<MonteCarloModel, string>> = {
  incidents: 'application/vnd.montecarlo.incident+json',
  alerts: 'application/vnd.montecarlo.alert+json',
};

/** A node read as the incident's current state (confirmation, reconciliation): applied whatever was seen before. */
export const STATE_TYPES: Readonly<Record<MonteCarloModel, string>> = {
  incidents: 'application/vnd.montecarlo.incident-state+json',
  alerts: 'application/vnd.montecarlo.alert-state+json',
};

const PAGE_SIZE = 100;
/** `getIncidents(incidentIds)` takes UUIDs; another id would make Monte Carlo reject the whole query. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a paging stands: the model being read and Monte Carlo's cursor within it. */
interface ModelCursor {
  model: MonteCarloModel;
  after: string | null;
}

/** Backfills: every configured model in turn, over the time range. */
export function historySource(client: MonteCarloGraphqlClient, models: readonly MonteCarloModel[]): HistorySource {
  const page = modelPager(client, models, NODE_TYPES);
  return { page };
}

/** The current state: incidents by id, and the recent ones of every configured model. */
export function currentStateSource(client: MonteCarloGraphqlClient, models: readonly MonteCarloModel[]): CurrentStateSource {
  return {
    async byIds(externalIds) {
      const ids = [...new Set(externalIds)].filter((id) => UUID.test(id));
      const deliveries: PulledDelivery[] = [];
      for (let i = 0; i < ids.length; i += PAGE_SIZE) {
        let after: string | null = null;
        do {
          const page: MonteCarloPage<{ uuid: string }> = await rateLimited(() =>
            client.incidentsByIdsPage({ incidentIds: ids.slice(i, i + PAGE_SIZE), first: PAGE_SIZE, after }));
          deliveries.push(...page.nodes.map((node) => delivery(node, STATE_TYPES.incidents)));
          after = page.hasNextPage ? page.endCursor : null;
        } while (after);
      }
      return deliveries;
    },
    recent: modelPager(client, models, STATE_TYPES),
  };
}

function modelPager(client: MonteCarloGraphqlClient, models: readonly MonteCarloModel[], types: Readonly<Record<MonteCarloModel, string>>) {
  return async (range: { since: Date; until: Date | null }, after: string | null) => {
    const cursor: ModelCursor = after ? JSON.parse(after) : { model: models[0], after: null };
    const request = { since: range.since, until: range.until, after: cursor.after, first: PAGE_SIZE };
    const page: MonteCarloPage<Record<string, unknown>> = await rateLimited<MonteCarloPage<Record<string, unknown>>>(() =>
      cursor.model === 'incidents' ? client.incidentsPage(request) : client.alertsPage(request));
    const nextModel = models[models.indexOf(cursor.model) + 1];
    const next: ModelCursor | null = page.hasNextPage && page.endCursor
      ? { model: cursor.model, after: page.endCursor }
      : nextModel ? { model: nextModel, after: null } : null;
    return { deliveries: page.nodes.map((node) => delivery(node, types[cursor.model])), next: next && JSON.stringify(next) };
  };
}

/** One node as a delivery, ordered by its incident (an alert may have only an `id`). */
function delivery(node: Record<string, unknown> | { uuid: string }, contentType: string): PulledDelivery {
  const { uuid, id } = node as { uuid?: unknown; id?: unknown };
  return { orderingKey: String(uuid ?? id), contentType, body: JSON.stringify(node) };
}

/**
 * Monte Carlo's failures as the platform's: a 429 as SourceRateLimited, for the job to wait on;
 * anything else as SourceFailed, a code and a message of ours that the API may show.
 */
async function rateLimited<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof MonteCarloRateLimited) throw new SourceRateLimited(err.retryAfterMs);
    if (err instanceof MonteCarloGraphqlError) throw sourceFailed(err);
    throw err;
  }
}

const logger = new Logger('montecarlo');

/** What Monte Carlo said (GraphQL errors, the body that failed validation) is logged, never shown. */
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
