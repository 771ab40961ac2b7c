import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { AtlasApi, AtlasApiError, AtlasEntity } from './atlas-api';
import { BridgeConfig, DEFAULT_ENTITY_TYPES } from './atlas-config';
import { HistoryPage, HistorySource, SourceFailed, SourceRateLimited } from '../source-connector';

/*
 * A catalog's first load (a backfill): its entities of the mapped asset types and of the process
 * types, paged through the search API, each logged as one delivery that normalizes like an
 * ENTITY_CREATE as of the entity's last update. The backfill's time range does not apply: the
 * catalog is read as it is now.
 */

/** The content type of one entity a backfill read (`{entity, readAt}`). */
export const ATLAS_ENTITY_TYPE = 'application/vnd.atlas.entity+json';

/** Atlas's search pages are capped by `atlas.search.max.limit` (default 10,000); a modest page keeps each backfill step short. */
const PAGE_LIMIT = 100;
/** Without a Retry-After, wait this long after a 429. */
const DEFAULT_RETRY_MS = 1000;

/** One entity read by a backfill, and when (its time when the catalog stamps none). */
export const BackfilledEntity = z.strictObject({
  entity: z.looseObject({ guid: z.string().min(1), typeName: z.string().min(1), attributes: z.record(z.string(), z.unknown()) }),
  readAt: z.number(),
});

/** The catalog types a backfill reads: every type mapped to an asset type (the defaults and the connector's own), and the process types. */
export function backfillTypes(config: BridgeConfig): string[] {
  const mapping = { ...DEFAULT_ENTITY_TYPES, ...config.entityTypes };
  const assets = Object.entries(mapping).filter(([, assetType]) => assetType !== null).map(([typeName]) => typeName);
  return [...new Set([...assets, ...config.processTypes])].sort();
}

const logger = new Logger('atlas');

export function atlasHistory(config: BridgeConfig, api: AtlasApi): HistorySource {
  const typeNames = backfillTypes(config);
  return {
    async page(_range, after): Promise<HistoryPage> {
      const offset = after === null ? 0 : Number((JSON.parse(after) as { offset: number }).offset);
      let page: { entities: AtlasEntity[] };
      try {
        page = await api.search({ typeNames, offset, limit: PAGE_LIMIT });
      } catch (err) {
        if (!(err instanceof AtlasApiError)) throw err;
        if (err.status === 429) throw new SourceRateLimited(err.retryAfterMs ?? DEFAULT_RETRY_MS);
        // the catalog's words go to the log; the backfill shows the status and code only
        logger.warn({ message: 'catalog search failed', status: err.status, errorCode: err.errorCode, error: err.message });
        if (err.status === 401 || err.status === 403) throw new SourceFailed('atlas_unauthorized', `the catalog refused the credentials (HTTP ${err.status})`, false);
        throw new SourceFailed('atlas_failed', `the catalog answered HTTP ${err.status}${err.errorCode ? ` ${err.errorCode}` : ''}`, err.retryable);
      }
      const readAt = Date.now();
      const deliveries = page.entities.map((entity) => ({ contentType: ATLAS_ENTITY_TYPE, body: JSON.stringify({ entity, readAt }) }));
      return { deliveries, next: page.entities.length < PAGE_LIMIT ? null : JSON.stringify({ offset: offset + page.entities.length }) };
    },
  };
}
