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
/** Atlas's answer to a search for a type it does not define. */
const UNKNOWN_TYPE = 'ATLAS-400-00-014';

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

/** Where a backfill stands: the type being read (an index into the sorted types) and the offset in it. */
interface Cursor {
  type: number;
  offset: number;
}

/**
 * The backfill's pages: one type at a time (a search names one type, its subtypes included), each
 * paged by offset. A type the catalog does not define (a Hive type on Atlan, 400 ATLAS-400-00-014)
 * has no entities: it is passed over. An entity of a type and its supertype (Table is a DataSet) is
 * read twice; its second delivery changes nothing.
 */
export function atlasHistory(config: BridgeConfig, api: AtlasApi): HistorySource {
  const typeNames = backfillTypes(config);
  return {
    async page(_range, after): Promise<HistoryPage> {
      const cursor: Cursor = after === null ? { type: 0, offset: 0 } : JSON.parse(after);
      const typeName = typeNames[cursor.type];
      if (typeName === undefined) return { deliveries: [], next: null };
      let entities: AtlasEntity[];
      try {
        entities = (await api.search({ typeNames: [typeName], offset: cursor.offset, limit: PAGE_LIMIT })).entities;
      } catch (err) {
        if (!(err instanceof AtlasApiError)) throw err;
        if (err.errorCode === UNKNOWN_TYPE) entities = [];
        else throw failure(err);
      }
      const readAt = Date.now();
      const deliveries = entities.map((entity) => ({ contentType: ATLAS_ENTITY_TYPE, body: JSON.stringify({ entity, readAt }) }));
      const next: Cursor | null = entities.length >= PAGE_LIMIT ? { type: cursor.type, offset: cursor.offset + entities.length }
        : cursor.type + 1 < typeNames.length ? { type: cursor.type + 1, offset: 0 } : null;
      return { deliveries, next: next && JSON.stringify(next) };
    },
  };
}

/** A search the catalog refused, as the backfill shows it: the status and code (the catalog's words go to the log). */
function failure(err: AtlasApiError): Error {
  if (err.status === 429) return new SourceRateLimited(err.retryAfterMs ?? DEFAULT_RETRY_MS);
  logger.warn({ message: 'catalog search failed', status: err.status, errorCode: err.errorCode, error: err.message });
  if (err.status === 401 || err.status === 403) return new SourceFailed('atlas_unauthorized', `the catalog refused the credentials (HTTP ${err.status})`, false);
  return new SourceFailed('atlas_failed', `the catalog answered HTTP ${err.status}${err.errorCode ? ` ${err.errorCode}` : ''}`, err.retryable);
}
