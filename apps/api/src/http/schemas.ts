import { z } from 'zod';
import { ROLES } from '@tributary/auth';
import { ClassificationName, LAG_WINDOW_PATTERN, lagWindowMinutes, MAX_LAG_WINDOW_MINUTES, QualifiedName, TypeName, UUID_PATTERN } from '@tributary/catalog';
import { bucketsSpanned, MAX_TREND_BUCKETS } from '@tributary/analytics';
import { MAX_WINDOW_HOURS, WINDOW_PATTERN, windowHours } from '@tributary/insights';
import { NewTenantId } from '@tributary/tenancy';

/** Request shapes of the public API. Objects are strict: an unknown field is an error, not ignored. */

export const UpsertAssetsBody = z.strictObject({
  assets: z.array(z.strictObject({
    qualifiedName: QualifiedName,
    typeName: TypeName,
    name: z.string().min(1).max(1024).optional(),
    attributes: z.record(z.string().min(1).max(256), z.unknown()).optional(),
    ifVersion: z.number().int().min(0).optional(),
  })).min(1, 'send at least one asset').max(1000, 'send at most 1000 assets per request'),
});

export const AssetQuery = z.strictObject({
  includeDeleted: z.enum(['true', 'false'], 'true or false').default('false').transform((v) => v === 'true'),
});

export const AssetListQuery = z.strictObject({
  typeName: TypeName.optional(),
  tag: ClassificationName.optional(),
  health: z.enum(['healthy', 'warning', 'critical']).optional(),
  q: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(4096).optional(),
});

const Edge = z.strictObject({ from: QualifiedName, to: QualifiedName, process: QualifiedName.optional() });
export const AddEdgesBody = z.strictObject({
  edges: z.array(Edge).min(1, 'send at least one edge').max(5000, 'send at most 5000 edges per request'),
});
export const RemoveEdgesBody = z.strictObject({
  edges: z.array(z.strictObject({ from: QualifiedName, to: QualifiedName })).min(1).max(5000),
});

export const LineageQuery = z.strictObject({
  direction: z.enum(['downstream', 'upstream']).default('downstream'),
  depth: z.coerce.number().int().min(1).max(50).default(5),
  health: z.enum(['true', 'false'], 'true or false').default('false').transform((v) => v === 'true')
    .describe('`true` adds each node\'s and the root\'s health'),
});

export const AddClassificationBody = z.strictObject({ name: ClassificationName, propagate: z.boolean().default(true) });

export const ChangesQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const ChangeStreamQuery = z.strictObject({
  /** resume after this sequence; without it (and without Last-Event-ID) the stream starts at the latest event */
  after: z.coerce.number().int().min(0).optional(),
});

export const CreateApiKeyBody = z.strictObject({
  name: z.string().min(1).max(200),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

export const CreateTenantBody = z.strictObject({
  id: NewTenantId,
  name: z.string().min(1).max(200),
  placement: z.enum(['pooled', 'schema', 'dedicated']),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
});

/**
 * Ids in paths. One rule for all: a path parameter that cannot be what it names is 400
 * `invalid_path` (so a malformed id never reaches a query as one), a well-formed id that names
 * nothing is 404.
 */
const uuid = (what: string) => z.string().regex(UUID_PATTERN, `not ${what} id (a UUID)`);
export const ConnectorId = uuid('a connector');
export const IncidentId = uuid('an incident');
export const DeadLetterId = uuid('a dead letter');
export const BackfillId = uuid('a backfill');
export const GroupId = uuid('a group');
export const ApiKeyId = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'not an API key id');
export const RuleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "not a rule id (a UUID or a built-in rule's name)");
export const ConnectorType = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'not a connector type');

export { ClassificationName, QualifiedName };

/*
 * Impact and analytics queries: their values are computed with, so a value out of range is 422
 * (`ParseQueryValues`). Impact starts at depth 5, as `GET /v1/lineage` does, so that the two agree on
 * what they cover when asked without a depth.
 */
const impactPage = {
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('assets listed per page; the totals cover every asset reached'),
  cursor: z.string().min(1).max(4096).optional().describe('`nextCursor` of the previous page'),
};
export const IncidentImpactQuery = z.strictObject({
  depth: z.coerce.number().int().min(1).max(10).default(5).describe('hops downstream of the incident\'s assets'),
  ...impactPage,
});
export const AssetImpactQuery = z.strictObject({
  direction: z.enum(['downstream', 'upstream']).default('downstream'),
  depth: z.coerce.number().int().min(1).max(50).default(5).describe('hops from the asset'),
  ...impactPage,
});

export const HotspotsQuery = z.strictObject({
  window: z.string().regex(WINDOW_PATTERN, 'a window like 30d: a whole number of h (hours), d (days) or w (weeks)').default('30d')
    // zod runs this check after a failed pattern too: it judges only a well-formed window
    .refine((w) => windowHours(w) === undefined || windowHours(w)! <= MAX_WINDOW_HOURS, 'at most 365d')
    .describe('how far back incidents count in `upstreamIncidents`: 1h to 365d'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
}).transform((q) => ({ ...q, windowHours: windowHours(q.window)! }));

export const LagQuery = z.strictObject({
  window: z.string().regex(LAG_WINDOW_PATTERN, 'a window like 15m: a whole number of m (minutes), h (hours) or d (days)').default('15m')
    // zod runs this check after a failed pattern too: it judges only a well-formed window
    .refine((w) => (lagWindowMinutes(w) ?? 0) <= MAX_LAG_WINDOW_MINUTES, 'at most 7d')
    .describe('how far back: 1m to 7d, counted in whole minutes'),
}).transform((q) => ({ window: q.window, windowMs: lagWindowMinutes(q.window)! * 60_000 }));

const QueryTime = z.iso.datetime({ offset: true }).transform((t) => new Date(t));
const TimeRange = { from: QueryTime.describe('RFC 3339, inclusive'), to: QueryTime.describe('RFC 3339, exclusive; after `from`') };
/**
 * Range checks over both times. Zod runs an object's refinements even when a field failed, with that
 * field's raw input: they look only at a range whose two ends parsed (the failed field is reported).
 */
const rangeCheck = (check: (q: { from: Date; to: Date; granularity?: unknown }, ctx: z.RefinementCtx) => void) =>
  (q: { from: unknown; to: unknown; granularity?: unknown }, ctx: z.RefinementCtx) => {
    if (!(q.from instanceof Date) || !(q.to instanceof Date)) return;
    if (q.from >= q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else check({ ...q, from: q.from, to: q.to }, ctx);
  };

const Granularity = z.enum(['hour', 'day', 'week']);
export const IncidentTrendsQuery = z.strictObject({
  ...TimeRange,
  granularity: Granularity.default('day'),
  groupBy: z.enum(['type', 'severity', 'source', 'status', 'asset']).default('type'),
}).superRefine(rangeCheck((q, ctx) => {
  // a granularity that failed is reported on its own
  const granularity = Granularity.safeParse(q.granularity);
  if (!granularity.success) return;
  const buckets = bucketsSpanned(q.from, q.to, granularity.data);
  if (buckets > MAX_TREND_BUCKETS) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `from..to spans ${buckets} ${granularity.data}s; a trend spans at most `
      + `${MAX_TREND_BUCKETS} buckets: narrow the range or take a coarser granularity` });
  }
}));

export const IncidentSummaryQuery = z.strictObject(TimeRange).superRefine(rangeCheck(() => undefined));
