import { sql } from 'kysely';
import { TenantTx } from '../database';

/** Okta's lifecycle, as far as the directory keeps it; SCIM's `active` is `status = 'active'`. */
export type PersonStatus = 'active' | 'staged' | 'suspended' | 'deactivated' | 'deleted';

export interface PersonRow {
  id: string;
  login: string;
  email: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  status: PersonStatus;
  oktaId: string | null;
  externalId: string | null;
  sourceTime: Date | null;
  version: number;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GroupRow {
  id: string;
  name: string;
  oktaId: string | null;
  externalId: string | null;
  sourceTime: Date | null;
  version: number;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A person's fields as a write states them (the id and the bookkeeping are the repository's). */
export type PersonFields = Pick<PersonRow, 'login' | 'email' | 'displayName' | 'givenName' | 'familyName' | 'status' | 'oktaId' | 'externalId'>;
export type GroupFields = Pick<GroupRow, 'name' | 'oktaId' | 'externalId'>;

type PersonDb = {
  id: string; login: string; email: string | null; display_name: string | null; given_name: string | null; family_name: string | null;
  status: PersonStatus; okta_id: string | null; external_id: string | null; source_time: Date | null; version: number;
  deleted_at: Date | null; created_at: Date; updated_at: Date;
};
type GroupDb = {
  id: string; name: string; okta_id: string | null; external_id: string | null; source_time: Date | null; version: number;
  deleted_at: Date | null; created_at: Date; updated_at: Date;
};

const person = (r: PersonDb): PersonRow => ({
  id: r.id, login: r.login, email: r.email, displayName: r.display_name, givenName: r.given_name, familyName: r.family_name,
  status: r.status, oktaId: r.okta_id, externalId: r.external_id, sourceTime: r.source_time, version: r.version,
  deletedAt: r.deleted_at, createdAt: r.created_at, updatedAt: r.updated_at,
});
const group = (r: GroupDb): GroupRow => ({
  id: r.id, name: r.name, oktaId: r.okta_id, externalId: r.external_id, sourceTime: r.source_time, version: r.version,
  deletedAt: r.deleted_at, createdAt: r.created_at, updatedAt: r.updated_at,
});

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The tenant's directory (migration 18): people, groups and memberships. Rows are locked with FOR
 * UPDATE where a write reads them first, so that two writers of one person (a hook and SCIM) apply
 * one after the other and the source-time check sees the other's write.
 */
export class DirectoryRepository {
  /** Records a source event's id; false when it was recorded before (a redelivery). */
  async markEvent(tx: TenantTx, eventId: string): Promise<boolean> {
    const { rows } = await sql`INSERT INTO directory_events (tenant_id, event_id) VALUES (${tx.tenantId}, ${eventId})
      ON CONFLICT DO NOTHING RETURNING event_id`.execute(tx.db);
    return rows.length > 0;
  }

  async personById(tx: TenantTx, id: string, opts: { lock?: boolean; includeDeleted?: boolean } = {}): Promise<PersonRow | undefined> {
    const { rows } = await sql<PersonDb>`SELECT * FROM people WHERE tenant_id = ${tx.tenantId} AND id = ${id}
      ${opts.includeDeleted ? sql`` : sql`AND deleted_at IS NULL`} ${opts.lock ? sql`FOR UPDATE` : sql``}`.execute(tx.db);
    return rows[0] && person(rows[0]);
  }

  /** By Okta's user id, deleted or not (a late event about a deleted person must find it to be stale). */
  async personByOktaId(tx: TenantTx, oktaId: string): Promise<PersonRow | undefined> {
    const { rows } = await sql<PersonDb>`SELECT * FROM people WHERE tenant_id = ${tx.tenantId} AND okta_id = ${oktaId} FOR UPDATE`.execute(tx.db);
    return rows[0] && person(rows[0]);
  }

  /** The live person with this login (case-insensitive). */
  async personByLogin(tx: TenantTx, login: string, lock = false): Promise<PersonRow | undefined> {
    const { rows } = await sql<PersonDb>`SELECT * FROM people WHERE tenant_id = ${tx.tenantId} AND lower(login) = lower(${login})
      AND deleted_at IS NULL ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx.db);
    return rows[0] && person(rows[0]);
  }

  async insertPerson(tx: TenantTx, id: string, f: PersonFields, sourceTime: Date | null): Promise<PersonRow> {
    const { rows } = await sql<PersonDb>`
      INSERT INTO people (tenant_id, id, login, email, display_name, given_name, family_name, status, okta_id, external_id, source_time)
      VALUES (${tx.tenantId}, ${id}, ${f.login}, ${f.email}, ${f.displayName}, ${f.givenName}, ${f.familyName}, ${f.status}, ${f.oktaId},
              ${f.externalId}, ${sourceTime})
      RETURNING *`.execute(tx.db);
    return person(rows[0]);
  }

  /** Replaces a person's fields; a `deleted` status stamps deleted_at, any other clears it. */
  async updatePerson(tx: TenantTx, id: string, f: PersonFields, sourceTime: Date | null): Promise<PersonRow> {
    const { rows } = await sql<PersonDb>`
      UPDATE people SET login = ${f.login}, email = ${f.email}, display_name = ${f.displayName}, given_name = ${f.givenName},
        family_name = ${f.familyName}, status = ${f.status}, okta_id = ${f.oktaId}, external_id = ${f.externalId},
        source_time = greatest(source_time, ${sourceTime}::timestamptz), version = version + 1,
        deleted_at = CASE WHEN ${f.status} = 'deleted' THEN coalesce(deleted_at, date_trunc('milliseconds', now())) END,
        updated_at = date_trunc('milliseconds', now())
      WHERE tenant_id = ${tx.tenantId} AND id = ${id}
      RETURNING *`.execute(tx.db);
    return person(rows[0]);
  }

  /**
   * Live people whose login, email or display name contains `q` (all of them without one), by
   * login then id, after the given key.
   */
  async searchPeople(tx: TenantTx, q: { text?: string; limit: number; after?: { login: string; id: string } }): Promise<PersonRow[]> {
    const pattern = q.text ? `%${likeLiteral(q.text.toLowerCase())}%` : null;
    const { rows } = await sql<PersonDb>`
      SELECT * FROM people WHERE tenant_id = ${tx.tenantId} AND deleted_at IS NULL
        ${pattern ? sql`AND (lower(login) LIKE ${pattern} OR lower(coalesce(email, '')) LIKE ${pattern}
                             OR lower(coalesce(display_name, '')) LIKE ${pattern})` : sql``}
        ${q.after ? sql`AND (lower(login), id) > (lower(${q.after.login}), ${q.after.id}::uuid)` : sql``}
      ORDER BY lower(login), id LIMIT ${q.limit}`.execute(tx.db);
    return rows.map(person);
  }

  /** A page of live people by creation (SCIM's list order is stable across pages), optionally one login's. */
  async listPeople(tx: TenantTx, q: { login?: string; offset: number; limit: number }): Promise<{ total: number; rows: PersonRow[] }> {
    const where = sql`tenant_id = ${tx.tenantId} AND deleted_at IS NULL ${q.login !== undefined ? sql`AND lower(login) = lower(${q.login})` : sql``}`;
    const { rows: [{ n }] } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM people WHERE ${where}`.execute(tx.db);
    const { rows } = await sql<PersonDb>`SELECT * FROM people WHERE ${where} ORDER BY created_at, id OFFSET ${q.offset} LIMIT ${q.limit}`.execute(tx.db);
    return { total: n, rows: rows.map(person) };
  }

  async groupById(tx: TenantTx, id: string, opts: { lock?: boolean } = {}): Promise<GroupRow | undefined> {
    const { rows } = await sql<GroupDb>`SELECT * FROM directory_groups WHERE tenant_id = ${tx.tenantId} AND id = ${id} AND deleted_at IS NULL
      ${opts.lock ? sql`FOR UPDATE` : sql``}`.execute(tx.db);
    return rows[0] && group(rows[0]);
  }

  async groupByOktaId(tx: TenantTx, oktaId: string): Promise<GroupRow | undefined> {
    const { rows } = await sql<GroupDb>`SELECT * FROM directory_groups WHERE tenant_id = ${tx.tenantId} AND okta_id = ${oktaId} FOR UPDATE`.execute(tx.db);
    return rows[0] && group(rows[0]);
  }

  async groupByName(tx: TenantTx, name: string): Promise<GroupRow | undefined> {
    const { rows } = await sql<GroupDb>`SELECT * FROM directory_groups WHERE tenant_id = ${tx.tenantId} AND lower(name) = lower(${name})
      AND deleted_at IS NULL`.execute(tx.db);
    return rows[0] && group(rows[0]);
  }

  async insertGroup(tx: TenantTx, id: string, f: GroupFields, sourceTime: Date | null): Promise<GroupRow> {
    const { rows } = await sql<GroupDb>`
      INSERT INTO directory_groups (tenant_id, id, name, okta_id, external_id, source_time)
      VALUES (${tx.tenantId}, ${id}, ${f.name}, ${f.oktaId}, ${f.externalId}, ${sourceTime}) RETURNING *`.execute(tx.db);
    return group(rows[0]);
  }

  /** Replaces a group's fields, or removes it (`deleted`); a removed group's memberships end with it. */
  async updateGroup(tx: TenantTx, id: string, f: GroupFields & { deleted: boolean }, sourceTime: Date | null): Promise<GroupRow> {
    const { rows } = await sql<GroupDb>`
      UPDATE directory_groups SET name = ${f.name}, okta_id = ${f.oktaId}, external_id = ${f.externalId},
        source_time = greatest(source_time, ${sourceTime}::timestamptz), version = version + 1,
        deleted_at = CASE WHEN ${f.deleted} THEN coalesce(deleted_at, date_trunc('milliseconds', now())) END,
        updated_at = date_trunc('milliseconds', now())
      WHERE tenant_id = ${tx.tenantId} AND id = ${id} RETURNING *`.execute(tx.db);
    if (f.deleted) await sql`UPDATE group_members SET member = false WHERE tenant_id = ${tx.tenantId} AND group_id = ${id}`.execute(tx.db);
    return group(rows[0]);
  }

  async listGroups(tx: TenantTx, q: { name?: string; offset: number; limit: number }): Promise<{ total: number; rows: GroupRow[] }> {
    const where = sql`tenant_id = ${tx.tenantId} AND deleted_at IS NULL ${q.name !== undefined ? sql`AND lower(name) = lower(${q.name})` : sql``}`;
    const { rows: [{ n }] } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM directory_groups WHERE ${where}`.execute(tx.db);
    const { rows } = await sql<GroupDb>`SELECT * FROM directory_groups WHERE ${where} ORDER BY created_at, id OFFSET ${q.offset} LIMIT ${q.limit}`.execute(tx.db);
    return { total: n, rows: rows.map(group) };
  }

  /**
   * Sets one membership unless a newer source time already decided it; true when it was applied.
   * `sourceTime` null (SCIM: synchronous, its answer is the truth now) always applies.
   */
  async setMembership(tx: TenantTx, groupId: string, personId: string, member: boolean, sourceTime: Date | null): Promise<boolean> {
    const { rows } = await sql`
      INSERT INTO group_members AS m (tenant_id, group_id, person_id, member, source_time)
      VALUES (${tx.tenantId}, ${groupId}, ${personId}, ${member}, ${sourceTime})
      ON CONFLICT (tenant_id, group_id, person_id) DO UPDATE SET member = EXCLUDED.member,
        source_time = greatest(m.source_time, EXCLUDED.source_time)
      WHERE EXCLUDED.source_time IS NULL OR m.source_time IS NULL OR m.source_time <= EXCLUDED.source_time
      RETURNING m.person_id`.execute(tx.db);
    return rows.length > 0;
  }

  /** Makes these people the group's only members (SCIM's PUT of a group). */
  async replaceMembers(tx: TenantTx, groupId: string, personIds: string[]): Promise<void> {
    await sql`UPDATE group_members SET member = false WHERE tenant_id = ${tx.tenantId} AND group_id = ${groupId}
      AND NOT person_id = ANY (${personIds}::uuid[])`.execute(tx.db);
    for (const id of personIds) await this.setMembership(tx, groupId, id, true, null);
  }

  /** The live members of a group, by login then id, after the given key. */
  async members(tx: TenantTx, groupId: string, q: { limit: number; after?: { login: string; id: string } }): Promise<PersonRow[]> {
    const { rows } = await sql<PersonDb>`
      SELECT p.* FROM group_members m JOIN people p ON p.tenant_id = m.tenant_id AND p.id = m.person_id
      WHERE m.tenant_id = ${tx.tenantId} AND m.group_id = ${groupId} AND m.member AND p.deleted_at IS NULL
        ${q.after ? sql`AND (lower(p.login), p.id) > (lower(${q.after.login}), ${q.after.id}::uuid)` : sql``}
      ORDER BY lower(p.login), p.id LIMIT ${q.limit}`.execute(tx.db);
    return rows.map(person);
  }

  /** The member ids of several groups (SCIM shows a group with its members). */
  async memberIds(tx: TenantTx, groupIds: string[]): Promise<Map<string, { id: string; login: string }[]>> {
    const out = new Map<string, { id: string; login: string }[]>(groupIds.map((g) => [g, []]));
    if (groupIds.length === 0) return out;
    const { rows } = await sql<{ group_id: string; id: string; login: string }>`
      SELECT m.group_id, p.id, p.login FROM group_members m JOIN people p ON p.tenant_id = m.tenant_id AND p.id = m.person_id
      WHERE m.tenant_id = ${tx.tenantId} AND m.group_id = ANY (${groupIds}::uuid[]) AND m.member AND p.deleted_at IS NULL
      ORDER BY lower(p.login), p.id`.execute(tx.db);
    for (const r of rows) out.get(r.group_id)!.push({ id: r.id, login: r.login });
    return out;
  }

  /**
   * What each of these owner names is in the directory: a live person by login or email, or a live
   * group by name, with its live members (case-insensitive). Names that match nothing are absent.
   */
  async resolveOwners(tx: TenantTx, names: string[]): Promise<Map<string, { kind: 'person' | 'group'; people: PersonRow[] }>> {
    const out = new Map<string, { kind: 'person' | 'group'; people: PersonRow[] }>();
    const lowered = [...new Set(names.map((n) => n.toLowerCase()))];
    if (lowered.length === 0) return out;
    const { rows: people } = await sql<PersonDb & { key: string }>`
      SELECT k.key, p.* FROM unnest(${lowered}::text[]) AS k(key)
      JOIN people p ON p.tenant_id = ${tx.tenantId} AND p.deleted_at IS NULL AND (lower(p.login) = k.key OR lower(p.email) = k.key)
      ORDER BY k.key, (lower(p.login) = k.key) DESC, p.id`.execute(tx.db);
    for (const r of people) if (!out.has(r.key)) out.set(r.key, { kind: 'person', people: [person(r)] });
    const rest = lowered.filter((k) => !out.has(k));
    if (rest.length === 0) return out;
    const { rows: groups } = await sql<PersonDb & { key: string; member_id: string | null }>`
      SELECT k.key, p.*, p.id AS member_id FROM unnest(${rest}::text[]) AS k(key)
      JOIN directory_groups g ON g.tenant_id = ${tx.tenantId} AND g.deleted_at IS NULL AND lower(g.name) = k.key
      LEFT JOIN group_members m ON m.tenant_id = g.tenant_id AND m.group_id = g.id AND m.member
      LEFT JOIN people p ON p.tenant_id = m.tenant_id AND p.id = m.person_id AND p.deleted_at IS NULL
      ORDER BY k.key, lower(p.login), p.id`.execute(tx.db);
    for (const r of groups) {
      const entry = out.get(r.key) ?? { kind: 'group' as const, people: [] };
      if (r.member_id !== null) entry.people.push(person(r));
      out.set(r.key, entry);
    }
    return out;
  }
}
