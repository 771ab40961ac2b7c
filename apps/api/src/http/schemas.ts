import { z } from 'zod';
import { ROLES } from '@tributary/auth';
import { ClassificationName, QualifiedName, TypeName, UUID_PATTERN } from '@tributary/catalog';
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
});

export const AddClassificationBody = z.strictObject({ name: ClassificationName, propagate: z.boolean().default(true) });

export const ChangesQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
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
export const ApiKeyId = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'not an API key id');
export const RuleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "not a rule id (a UUID or a built-in rule's name)");
export const ConnectorType = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'not a connector type');

export { ClassificationName, QualifiedName };
