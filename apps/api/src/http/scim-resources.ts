import { z } from 'zod';
import type { GroupView, MembersChange } from '@tributary/catalog';
import { invalid, malformed } from '@tributary/errors';
import type { PersonFields, PersonRow } from '@tributary/store';

/*
 * SCIM 2.0 (RFC 7643/7644) at the HTTP edge, as Okta's provisioning uses it (okta.md, "SCIM 2.0"):
 * the User and Group resources, the list filter `userName eq "…"` / `displayName eq "…"`, PatchOp,
 * and SCIM's error body. The directory behind it is DirectoryService's.
 */

export const SCIM_CONTENT_TYPE = 'application/scim+json';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const Text = z.string().trim().min(1).max(512);

export const ScimUserBody = z.looseObject({
  userName: Text,
  externalId: z.string().max(512).nullish(),
  displayName: z.string().max(512).nullish(),
  name: z.looseObject({ givenName: z.string().max(512).nullish(), familyName: z.string().max(512).nullish(), formatted: z.string().max(512).nullish() }).nullish(),
  emails: z.array(z.looseObject({ value: z.string().max(512), primary: z.boolean().optional(), type: z.string().max(64).optional() })).max(20).nullish(),
  active: z.boolean().optional(),
});
export type ScimUserBody = z.infer<typeof ScimUserBody>;

const Member = z.looseObject({ value: z.string().min(1).max(128), display: z.string().max(512).optional() });
export const ScimGroupBody = z.looseObject({
  displayName: Text,
  externalId: z.string().max(512).nullish(),
  members: z.array(Member).max(10_000).nullish(),
});
export type ScimGroupBody = z.infer<typeof ScimGroupBody>;

export const ScimPatchBody = z.looseObject({
  schemas: z.array(z.string()).refine((s) => s.includes(PATCH_SCHEMA), `schemas must include ${PATCH_SCHEMA}`),
  Operations: z.array(z.looseObject({
    // Okta sends lower case; other clients (Azure AD) capitalize: RFC 7644 compares case-insensitively
    op: z.string().transform((o) => o.toLowerCase()).pipe(z.enum(['add', 'replace', 'remove'])),
    path: z.string().max(512).optional(),
    value: z.unknown().optional(),
  })).min(1).max(1000),
});
export type ScimPatchBody = z.infer<typeof ScimPatchBody>;

export const ScimListQuery = z.looseObject({
  filter: z.string().max(1024).optional(),
  // RFC 7644 3.4.2.4: a startIndex under 1 is 1, a negative count 0
  startIndex: z.coerce.number().int().default(1).transform((n) => Math.max(1, n)),
  count: z.coerce.number().int().default(100).transform((n) => Math.min(200, Math.max(0, n))),
});

/** A resource as SCIM shows it; loose, since its attributes are SCIM's, not ours. */
export const ScimResource = z.record(z.string(), z.unknown());

export function scimUser(p: PersonRow): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA], id: p.id, ...(p.externalId ? { externalId: p.externalId } : {}), userName: p.login,
    name: { ...(p.givenName ? { givenName: p.givenName } : {}), ...(p.familyName ? { familyName: p.familyName } : {}) },
    ...(p.displayName ? { displayName: p.displayName } : {}),
    emails: p.email ? [{ value: p.email, primary: true, type: 'work' }] : [],
    active: p.status === 'active',
    meta: { resourceType: 'User', created: p.createdAt.toISOString(), lastModified: p.updatedAt.toISOString(), location: `/scim/v2/Users/${p.id}`,
      version: `W/"${p.version}"` },
  };
}

export function scimGroup(g: GroupView): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA], id: g.id, ...(g.externalId ? { externalId: g.externalId } : {}), displayName: g.name,
    members: g.members.map((m) => ({ value: m.id, display: m.login })),
    meta: { resourceType: 'Group', created: g.createdAt.toISOString(), lastModified: g.updatedAt.toISOString(), location: `/scim/v2/Groups/${g.id}`,
      version: `W/"${g.version}"` },
  };
}

export function scimList(resources: Record<string, unknown>[], total: number, startIndex: number): Record<string, unknown> {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** A user body as the person's fields: the primary email (else the first), `active` to the status. */
export function personFields(body: ScimUserBody, current?: PersonRow): Omit<PersonFields, 'oktaId'> & { oktaId: string | null } {
  const email = body.emails?.find((e) => e.primary)?.value ?? body.emails?.[0]?.value ?? null;
  const active = body.active ?? true;
  return {
    login: body.userName, email, displayName: body.displayName ?? (body.name?.formatted || null),
    givenName: body.name?.givenName ?? null, familyName: body.name?.familyName ?? null,
    status: active ? 'active' : current && current.status !== 'active' ? current.status : 'deactivated',
    oktaId: current?.oktaId ?? null, externalId: body.externalId ?? current?.externalId ?? null,
  };
}

/**
 * The one filter form Okta sends: `<attribute> eq "<value>"`, the attribute being the one given
 * (`userName` for users, `displayName` for groups; attribute names compare case-insensitively).
 * Anything else is 400 `invalidFilter`.
 */
export function equalityFilter(filter: string | undefined, attribute: string): string | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  const m = /^\s*([A-Za-z][\w.:]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!m || m[1].toLowerCase() !== attribute.toLowerCase()) {
    throw malformed('invalid_filter', `unsupported filter ${JSON.stringify(filter)}: only ${attribute} eq "value" is supported`);
  }
  return m[2].replace(/\\(.)/g, '$1');
}

/** A user's PatchOp applied to its current SCIM representation: the new body to store. */
export function patchUser(current: PersonRow, patch: ScimPatchBody): ScimUserBody {
  const user = scimUser(current) as Record<string, unknown> & { name: Record<string, unknown> };
  for (const op of patch.Operations) {
    const changes: [string, unknown][] = op.path === undefined
      ? Object.entries(asObject(op.value, '(value)'))
      : [[op.path, op.op === 'remove' ? null : op.value]];
    for (const [path, value] of changes) setUserAttribute(user, path, value);
  }
  const parsed = ScimUserBody.safeParse(user);
  if (!parsed.success) throw invalid('invalid_value', `the patched user is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function setUserAttribute(user: Record<string, unknown> & { name: Record<string, unknown> }, path: string, value: unknown): void {
  const key = path.toLowerCase();
  if (key === 'active') user.active = typeof value === 'string' ? value.toLowerCase() === 'true' : value;
  else if (key === 'username') user.userName = value;
  else if (key === 'displayname') user.displayName = value;
  else if (key === 'externalid') user.externalId = value;
  else if (key === 'name') user.name = asObject(value ?? {}, path);
  else if (key === 'name.givenname') user.name = { ...user.name, givenName: value };
  else if (key === 'name.familyname') user.name = { ...user.name, familyName: value };
  else if (key === 'emails') user.emails = value ?? [];
  else if (/^emails\[type eq "work"\]\.value$/i.test(path) || /^emails\[primary eq true\]\.value$/i.test(path)) {
    user.emails = value === null ? [] : [{ value, primary: true, type: 'work' }];
  } else if (key === 'schemas' || key === 'id' || key === 'meta') {
    // read-only attributes some clients echo back in a replace: nothing to change
  } else throw malformed('invalid_path', `unsupported patch path ${JSON.stringify(path)}`);
}

/** A group's PatchOp as its new name and the member change. */
export function patchGroup(current: GroupView, patch: ScimPatchBody): { name: string; externalId: string | null; members: MembersChange } {
  let name = current.name;
  let externalId = current.externalId;
  const members: MembersChange = {};
  const ids = (value: unknown, path: string) => {
    const parsed = z.array(Member).safeParse(Array.isArray(value) ? value : [value]);
    if (!parsed.success) throw invalid('invalid_value', `${path}: members are [{"value": "<id>"}]`);
    return parsed.data.map((m) => m.value);
  };
  for (const op of patch.Operations) {
    const path = op.path;
    const filtered = path && /^members\[\s*value\s+eq\s+"([^"]+)"\s*\]$/i.exec(path);
    if (filtered && op.op === 'remove') {
      members.remove = [...members.remove ?? [], filtered[1]];
    } else if (path?.toLowerCase() === 'members') {
      if (op.op === 'add') members.add = [...members.add ?? [], ...ids(op.value, path)];
      else if (op.op === 'remove') members.remove = [...members.remove ?? [], ...(op.value === undefined ? current.members.map((m) => m.id) : ids(op.value, path))];
      else {
        members.set = ids(op.value ?? [], path);
        delete members.add;
        delete members.remove;
      }
    } else if (path?.toLowerCase() === 'displayname' && op.op !== 'remove') {
      name = Text.parse(op.value);
    } else if (path?.toLowerCase() === 'externalid') {
      externalId = op.op === 'remove' ? null : String(op.value);
    } else if (path === undefined && op.op !== 'remove') {
      const value = asObject(op.value, '(value)');
      if (typeof value.displayName === 'string') name = value.displayName;
      if (typeof value.externalId === 'string') externalId = value.externalId;
      if (value.members !== undefined) members.set = ids(value.members, 'members');
    } else {
      throw malformed('invalid_path', `unsupported patch path ${JSON.stringify(path)} for op ${op.op}`);
    }
  }
  return { name, externalId, members };
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('invalid_value', `${path}: expected an object`);
  return value as Record<string, unknown>;
}
