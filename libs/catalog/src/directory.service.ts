import { randomUUID } from 'node:crypto';
import { conflict, invalid, malformed, notFound } from '@tributary/errors';
import {
  AssetsRepository, AuditRepository, ChangeEventsRepository, Database, DirectoryRepository, GroupFields, GroupRow, NewChangeEvent, PersonFields,
  PersonRow, PersonStatus, TenantTx, uniqueViolation,
} from '@tributary/store';
import { changeEvent } from './change-event.factory';
import { UUID_PATTERN } from './qualified-name';
import { ReadContext, WriteContext } from './write-context';

/**
 * One thing a directory source (Okta's event hooks, its management API) states, at a source time:
 * a person's record, a group's, or a membership (both, with `member`). Fields left out are not
 * stated (an event names a person by id and login, not by email). Validated by the applier.
 */
export interface DirectoryFact {
  /** the source event's id (Okta's LogEvent uuid): seen twice, applied once; null for a read of the current state */
  eventId: string | null;
  /** when the source says this was true: an older fact never overwrites a newer one */
  time: Date;
  person?: {
    oktaId: string;
    login?: string;
    email?: string | null;
    displayName?: string | null;
    givenName?: string | null;
    familyName?: string | null;
    status?: PersonStatus;
  };
  group?: { oktaId: string; name?: string; deleted?: boolean };
  /** with both a person and a group: whether the person is a member */
  member?: boolean;
}

export interface PersonView {
  id: string;
  login: string;
  email: string | null;
  displayName: string | null;
  active: boolean;
  status: PersonStatus;
  oktaId: string | null;
  externalId: string | null;
}

export interface GroupView {
  id: string;
  name: string;
  oktaId: string | null;
  externalId: string | null;
  members: { id: string; login: string }[];
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** What an asset's `owner` names in the directory (the asset view's `ownerResolved`). */
export interface OwnerResolution {
  owner: string;
  kind: 'person' | 'group' | 'unknown';
  people: PersonView[];
}

/** A SCIM member change of a group: the whole list, or additions and removals. */
export interface MembersChange {
  set?: string[];
  add?: string[];
  remove?: string[];
}

export const personView = (p: PersonRow): PersonView => ({
  id: p.id, login: p.login, email: p.email, displayName: p.displayName, active: p.status === 'active', status: p.status,
  oktaId: p.oktaId, externalId: p.externalId,
});

/** Whether a person can own anything: active, and not removed. */
const owning = (p: PersonRow | undefined) => p !== undefined && p.status === 'active' && p.deletedAt === null;

/**
 * Keyset cursor over (login, id): a list of people ordered by login. Decoded strictly, as exactly what
 * `encode` could have produced; anything else is 400 `invalid_cursor`.
 */
const loginCursor = {
  encode: (p: PersonRow) => Buffer.from(JSON.stringify([p.login, p.id]), 'utf8').toString('base64url'),
  decode(cursor: string): { login: string; id: string } {
    try {
      const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && UUID_PATTERN.test(value[1])
        && Buffer.from(JSON.stringify(value), 'utf8').toString('base64url') === cursor) return { login: value[0], id: value[1] };
    } catch { /* refused below */ }
    throw malformed('invalid_cursor', 'query parameter cursor is not one returned by this endpoint; start without it',
      { issues: [{ path: 'cursor', message: 'not a cursor returned by this endpoint' }] });
  },
};

/**
 * The tenant's directory of people and groups, and what it means for the catalog: an asset's
 * `owner` (a login, an email or a group name) resolves to people, and an owner who stops being one
 * (deactivated, suspended, removed; a group removed) raises `asset.owner.deactivated` for each live
 * asset it owns, in the transaction of the directory change. Written by two paths: facts from the
 * ingestor (Okta's event hooks and backfills: deduplicated by event id, ordered by source time) and
 * SCIM requests (synchronous: the answer is the state now).
 */
export class DirectoryService {
  constructor(
    private readonly database: Database,
    private readonly directory = new DirectoryRepository(),
    private readonly assets = new AssetsRepository(),
    private readonly changes = new ChangeEventsRepository(),
    private readonly audit = new AuditRepository(),
  ) {}

  // ---- facts from a source (the ingestor) --------------------------------------------------------

  /**
   * Applies a tenant's facts in order, in one transaction with the change events they raise. A fact
   * whose event id was applied before is a duplicate; one older than what the directory holds for
   * its person, group or membership changes nothing there (it is still counted as applied: it was
   * read and decided on).
   */
  async applyFacts(ctx: WriteContext, facts: DirectoryFact[]): Promise<{ applied: number; duplicates: number }> {
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      let applied = 0;
      let duplicates = 0;
      const events: NewChangeEvent[] = [];
      for (const fact of facts) {
        if (fact.eventId !== null && !(await this.directory.markEvent(tx, fact.eventId))) {
          duplicates += 1;
          continue;
        }
        applied += 1;
        const member = fact.person && fact.group && fact.member !== undefined;
        const p = fact.person && await this.applyPerson(ctx, tx, fact.person, member ? null : fact.time, events);
        const g = fact.group && await this.applyGroup(ctx, tx, fact.group, member ? null : fact.time, events);
        if (member && p && g) await this.directory.setMembership(tx, g.id, p.id, fact.member!, fact.time);
      }
      await this.changes.append(tx, events);
      return { applied, duplicates };
    });
  }

  /**
   * A person's fact: created when new, merged over the row when not older than it. `time` null is a
   * membership's mention of the person: it creates a person not seen yet (with what it names) and
   * never changes one that is.
   */
  private async applyPerson(ctx: WriteContext, tx: TenantTx, f: NonNullable<DirectoryFact['person']>, time: Date | null,
    events: NewChangeEvent[]): Promise<PersonRow> {
    const existing = await this.directory.personByOktaId(tx, f.oktaId) ?? await this.adoptByLogin(tx, f);
    if (!existing) {
      return this.directory.insertPerson(tx, randomUUID(), {
        login: f.login ?? f.oktaId, email: f.email ?? emailOf(f.login), displayName: f.displayName ?? null, givenName: f.givenName ?? null,
        familyName: f.familyName ?? null, status: f.status ?? 'active', oktaId: f.oktaId, externalId: null,
      }, time);
    }
    if (time === null && existing.oktaId !== null) return existing;
    if (time !== null && existing.sourceTime !== null && time < existing.sourceTime) return existing;
    const next: PersonFields = {
      login: f.login ?? existing.login, email: f.email !== undefined ? f.email : existing.email,
      displayName: f.displayName !== undefined ? f.displayName : existing.displayName,
      givenName: f.givenName !== undefined ? f.givenName : existing.givenName, familyName: f.familyName !== undefined ? f.familyName : existing.familyName,
      status: f.status ?? existing.status, oktaId: f.oktaId, externalId: existing.externalId,
    };
    const updated = await this.directory.updatePerson(tx, existing.id, next, time);
    events.push(...await this.ownerLoss(ctx, tx, existing, updated));
    return updated;
  }

  /** A person SCIM provisioned (no Okta id yet) whom Okta's events name by the same login: one person, linked. */
  private async adoptByLogin(tx: TenantTx, f: NonNullable<DirectoryFact['person']>): Promise<PersonRow | undefined> {
    if (!f.login) return undefined;
    const same = await this.directory.personByLogin(tx, f.login, true);
    if (!same) return undefined;
    if (same.oktaId !== null && same.oktaId !== f.oktaId) {
      throw conflict('login_taken', `login ${JSON.stringify(f.login)} belongs to another Okta user (${same.oktaId}) in this directory`);
    }
    return same;
  }

  private async applyGroup(ctx: WriteContext, tx: TenantTx, f: NonNullable<DirectoryFact['group']>, time: Date | null,
    events: NewChangeEvent[]): Promise<GroupRow> {
    const existing = await this.directory.groupByOktaId(tx, f.oktaId);
    if (!existing) {
      const row = await this.directory.insertGroup(tx, randomUUID(), { name: f.name ?? f.oktaId, oktaId: f.oktaId, externalId: null }, time);
      return f.deleted ? this.directory.updateGroup(tx, row.id, { ...row, deleted: true }, time) : row;
    }
    if (time === null) return existing;
    if (existing.sourceTime !== null && time < existing.sourceTime) return existing;
    const updated = await this.directory.updateGroup(tx, existing.id,
      { name: f.name ?? existing.name, oktaId: f.oktaId, externalId: existing.externalId, deleted: f.deleted ?? existing.deletedAt !== null }, time);
    if (existing.deletedAt === null && updated.deletedAt !== null) events.push(...await this.groupLoss(ctx, tx, existing));
    return updated;
  }

  // ---- owner loss --------------------------------------------------------------------------------

  /*
   * Each loss's events carry `loss`, an id of their own shared by every asset of that one directory
   * change (all written in its transaction): a notify rule tells of the loss once, listing them all,
   * and a person deactivated, reactivated and deactivated again is two losses.
   */

  /** `asset.owner.deactivated` for every live asset owned (by login or email) by a person who stopped owning. */
  private async ownerLoss(ctx: WriteContext, tx: TenantTx, before: PersonRow, after: PersonRow): Promise<NewChangeEvent[]> {
    if (!owning(before) || owning(after)) return [];
    const owned = await this.assets.liveOwnedBy(tx, [before.login, ...(before.email ? [before.email] : [])]);
    const reason = after.deletedAt !== null ? 'deleted' : after.status;
    const loss = randomUUID();
    return owned.map((a) => changeEvent(ctx, 'asset.owner.deactivated', a.qualifiedName,
      { owner: a.owner, kind: 'person', reason, loss, person: personView(after), before: { status: before.status }, after: { status: after.status } }));
  }

  private async groupLoss(ctx: WriteContext, tx: TenantTx, group: GroupRow): Promise<NewChangeEvent[]> {
    const owned = await this.assets.liveOwnedBy(tx, [group.name]);
    const loss = randomUUID();
    return owned.map((a) => changeEvent(ctx, 'asset.owner.deactivated', a.qualifiedName,
      { owner: a.owner, kind: 'group', reason: 'deleted', loss, group: { id: group.id, name: group.name, oktaId: group.oktaId } }));
  }

  // ---- SCIM: synchronous writes ------------------------------------------------------------------

  /** A new person; 409 `uniqueness` when a live person has the login. */
  async createPerson(ctx: WriteContext, fields: Omit<PersonFields, 'oktaId'>): Promise<PersonRow> {
    return this.write(ctx, 'person.create', async (tx) => {
      if (await this.directory.personByLogin(tx, fields.login)) throw loginTaken(fields.login);
      const row = await this.directory.insertPerson(tx, randomUUID(), { ...fields, oktaId: null }, null);
      return { row, events: [], subject: row.id };
    });
  }

  /**
   * Changes a person as `change` decides from the current row (SCIM's PUT and PATCH), under the
   * row's lock; an owner who stops owning raises its events in the same transaction.
   */
  async updatePerson(ctx: WriteContext, id: string, change: (current: PersonRow) => PersonFields): Promise<PersonRow> {
    return this.write(ctx, 'person.update', async (tx) => {
      const current = await this.mustPerson(tx, id, true);
      const next = change(current);
      if (next.login.toLowerCase() !== current.login.toLowerCase() && await this.directory.personByLogin(tx, next.login)) throw loginTaken(next.login);
      const row = await this.directory.updatePerson(tx, id, next, null);
      return { row, events: await this.ownerLoss(ctx, tx, current, row), subject: id };
    });
  }

  async deletePerson(ctx: WriteContext, id: string): Promise<void> {
    await this.updatePerson(ctx, id, (p) => ({ ...p, status: 'deleted' }));
  }

  async person(ctx: ReadContext, id: string): Promise<PersonRow> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.mustPerson(tx, id, false));
  }

  /** SCIM's list: 1-based `startIndex`, `count` per page, optionally one login's person. */
  async listPeople(ctx: ReadContext, q: { login?: string; startIndex: number; count: number }): Promise<{ total: number; rows: PersonRow[] }> {
    return this.database.inTenant(ctx.tenantId, (tx) => this.directory.listPeople(tx, { login: q.login, offset: q.startIndex - 1, limit: q.count }));
  }

  async createGroup(ctx: WriteContext, fields: Omit<GroupFields, 'oktaId'>, memberIds: string[]): Promise<GroupView> {
    return this.write(ctx, 'group.create', async (tx) => {
      if (await this.directory.groupByName(tx, fields.name)) throw groupNameTaken(fields.name);
      await this.requirePeople(tx, memberIds);
      const row = await this.directory.insertGroup(tx, randomUUID(), { ...fields, oktaId: null }, null);
      await this.directory.replaceMembers(tx, row.id, memberIds);
      return { row: await this.groupView(tx, row), events: [], subject: row.id };
    });
  }

  /** Renames a group and/or changes its members (SCIM's PUT and PATCH), under the row's lock. */
  async updateGroup(ctx: WriteContext, id: string, change: (current: GroupView) => { fields: Omit<GroupFields, 'oktaId'>; members: MembersChange }): Promise<GroupView> {
    return this.write(ctx, 'group.update', async (tx) => {
      const row = await this.mustGroup(tx, id, true);
      const { fields, members } = change(await this.groupView(tx, row));
      if (fields.name.toLowerCase() !== row.name.toLowerCase() && await this.directory.groupByName(tx, fields.name)) throw groupNameTaken(fields.name);
      await this.requirePeople(tx, [...members.set ?? [], ...members.add ?? []]);
      const updated = await this.directory.updateGroup(tx, id, { ...fields, oktaId: row.oktaId, deleted: false }, null);
      if (members.set) await this.directory.replaceMembers(tx, id, members.set);
      for (const p of members.add ?? []) await this.directory.setMembership(tx, id, p, true, null);
      for (const p of members.remove ?? []) await this.directory.setMembership(tx, id, p, false, null);
      return { row: await this.groupView(tx, updated), events: [], subject: id };
    });
  }

  async deleteGroup(ctx: WriteContext, id: string): Promise<void> {
    await this.write(ctx, 'group.delete', async (tx) => {
      const row = await this.mustGroup(tx, id, true);
      await this.directory.updateGroup(tx, id, { ...row, deleted: true }, null);
      return { row: undefined, events: await this.groupLoss(ctx, tx, row), subject: id };
    });
  }

  async group(ctx: ReadContext, id: string): Promise<GroupView> {
    return this.database.inTenant(ctx.tenantId, async (tx) => this.groupView(tx, await this.mustGroup(tx, id, false)));
  }

  async listGroups(ctx: ReadContext, q: { name?: string; startIndex: number; count: number }): Promise<{ total: number; rows: GroupView[] }> {
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const { total, rows } = await this.directory.listGroups(tx, { name: q.name, offset: q.startIndex - 1, limit: q.count });
      const members = await this.directory.memberIds(tx, rows.map((r) => r.id));
      return { total, rows: rows.map((r) => ({ ...groupFields(r), members: members.get(r.id)! })) };
    });
  }

  // ---- reads for the API and the asset view ------------------------------------------------------

  /** People whose login, email or name contains `q`, by login, keyset-paged. */
  async searchPeople(ctx: ReadContext, q: { q?: string; limit: number; cursor?: string }): Promise<{ items: PersonView[]; nextCursor: string | null }> {
    const after = q.cursor === undefined ? undefined : loginCursor.decode(q.cursor);
    const rows = await this.database.inTenant(ctx.tenantId, (tx) => this.directory.searchPeople(tx, { text: q.q, limit: q.limit + 1, after }));
    return pageOf(rows, q.limit);
  }

  /** A group's live members, by login, keyset-paged; 404 for a group not in this tenant's directory. */
  async members(ctx: ReadContext, groupId: string, q: { limit: number; cursor?: string }): Promise<{ group: { id: string; name: string }; items: PersonView[]; nextCursor: string | null }> {
    const after = q.cursor === undefined ? undefined : loginCursor.decode(q.cursor);
    return this.database.inTenant(ctx.tenantId, async (tx) => {
      const group = await this.mustGroup(tx, groupId, false);
      const rows = await this.directory.members(tx, group.id, { limit: q.limit + 1, after });
      return { group: { id: group.id, name: group.name }, ...pageOf(rows, q.limit) };
    });
  }

  /** What each owner name resolves to (the asset view); a name the directory does not know is `unknown`. */
  async resolveOwners(ctx: ReadContext, owners: string[]): Promise<Map<string, OwnerResolution>> {
    return this.database.inTenant(ctx.tenantId, (tx) => resolveOwners(this.directory, tx, owners));
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /**
   * One SCIM write in a transaction with its audit entry and change events. Two requests taking one
   * login or group name at once both pass the check before their insert; the index refuses the
   * second, which is answered as the check would have (409 `uniqueness`).
   */
  private async write<T>(ctx: WriteContext, action: string, fn: (tx: TenantTx) => Promise<{ row: T; events: NewChangeEvent[]; subject: string }>): Promise<T> {
    try {
      return await this.database.inTenant(ctx.tenantId, async (tx) => {
        const { row, events, subject } = await fn(tx);
        await this.audit.record(tx, { actor: ctx.actor, action: `directory.${action}`, subject, details: { origin: ctx.origin } });
        await this.changes.append(tx, events);
        return row;
      });
    } catch (err) {
      const index = uniqueViolation(err);
      if (index === 'people_login') throw conflict('uniqueness', 'a person with this login already exists in this tenant\'s directory', { field: 'userName' });
      if (index === 'directory_groups_name') throw conflict('uniqueness', 'a group with this name already exists in this tenant\'s directory', { field: 'displayName' });
      throw err;
    }
  }

  private async mustPerson(tx: TenantTx, id: string, lock: boolean): Promise<PersonRow> {
    const row = UUID_PATTERN.test(id) ? await this.directory.personById(tx, id, { lock }) : undefined;
    if (!row) throw notFound('person_not_found', `no person ${JSON.stringify(id)} in this tenant's directory`, { id });
    return row;
  }

  private async mustGroup(tx: TenantTx, id: string, lock: boolean): Promise<GroupRow> {
    const row = UUID_PATTERN.test(id) ? await this.directory.groupById(tx, id, { lock }) : undefined;
    if (!row) throw notFound('group_not_found', `no group ${JSON.stringify(id)} in this tenant's directory`, { id });
    return row;
  }

  private async requirePeople(tx: TenantTx, ids: string[]): Promise<void> {
    for (const id of new Set(ids)) {
      if (!UUID_PATTERN.test(id) || !(await this.directory.personById(tx, id))) {
        throw invalid('unknown_member', `member ${JSON.stringify(id)} is not a person in this tenant's directory`, { value: id });
      }
    }
  }

  private async groupView(tx: TenantTx, row: GroupRow): Promise<GroupView> {
    return { ...groupFields(row), members: (await this.directory.memberIds(tx, [row.id])).get(row.id)! };
  }
}

/** What each owner name resolves to in the directory; a name it does not know is `unknown`. */
export async function resolveOwners(directory: DirectoryRepository, tx: TenantTx, owners: string[]): Promise<Map<string, OwnerResolution>> {
  const found = await directory.resolveOwners(tx, owners);
  return new Map(owners.map((owner) => {
    const hit = found.get(owner.toLowerCase());
    return [owner, { owner, kind: hit?.kind ?? 'unknown', people: (hit?.people ?? []).map(personView) }];
  }));
}

const groupFields = (r: GroupRow) => ({
  id: r.id, name: r.name, oktaId: r.oktaId, externalId: r.externalId, createdAt: r.createdAt, updatedAt: r.updatedAt, version: r.version,
});

function pageOf(rows: PersonRow[], limit: number): { items: PersonView[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { items: page.map(personView), nextCursor: rows.length > limit ? loginCursor.encode(page[page.length - 1]) : null };
}

/** Okta's login is usually the email address; a login that looks like one is taken as the email until a source says otherwise. */
const emailOf = (login: string | undefined) => (login && /^[^@\s]+@[^@\s]+$/.test(login) ? login : null);

const loginTaken = (login: string) =>
  conflict('uniqueness', `a person with login ${JSON.stringify(login)} already exists in this tenant's directory`, { field: 'userName' });
const groupNameTaken = (name: string) =>
  conflict('uniqueness', `a group named ${JSON.stringify(name)} already exists in this tenant's directory`, { field: 'displayName' });
