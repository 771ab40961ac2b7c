import { z } from 'zod';
import type { DirectoryFactValue } from '../directory-fact';

/*
 * Okta's event hook delivery (contract: okta.md, "Event hooks"): an envelope whose `data.events`
 * holds one or more LogEvents. Read liberally: only what the directory uses is required, every other
 * field Okta sends (client, securityContext, debugContext, …) is let through unread.
 */

const Target = z.looseObject({
  id: z.string().min(1).max(512),
  type: z.string().max(128),
  alternateId: z.string().max(512).nullish(),
  displayName: z.string().max(512).nullish(),
});

export const OktaLogEvent = z.looseObject({
  uuid: z.string().min(1).max(128),
  published: z.iso.datetime({ offset: true }),
  eventType: z.string().min(1).max(256),
  outcome: z.looseObject({ result: z.string().nullish() }).nullish(),
  target: z.array(Target).max(100).nullish(),
});
export type OktaLogEvent = z.infer<typeof OktaLogEvent>;

export const OktaEventHookBody = z.looseObject({
  eventType: z.string().max(256).optional().describe('`com.okta.event_hook`'),
  eventTypeVersion: z.string().max(32).optional(),
  eventId: z.string().max(128).optional(),
  data: z.looseObject({ events: z.array(OktaLogEvent).min(1).max(1000) }),
});
export type OktaEventHookBody = z.infer<typeof OktaEventHookBody>;

/** The person lifecycle events the directory applies, and the status each leaves. */
const LIFECYCLE: Readonly<Record<string, NonNullable<NonNullable<DirectoryFactValue['person']>['status']>>> = {
  // a user created without activation is STAGED; one created active is followed by its activate event
  'user.lifecycle.create': 'staged',
  'user.lifecycle.activate': 'active',
  'user.lifecycle.reactivate': 'active',
  'user.lifecycle.unsuspend': 'active',
  'user.lifecycle.suspend': 'suspended',
  'user.lifecycle.deactivate': 'deactivated',
  'user.lifecycle.delete.initiated': 'deleted',
  'user.lifecycle.delete.completed': 'deleted',
};

/** The event types the directory reads; any other (`user.session.start`, …) is left unread. */
export const DIRECTORY_EVENT_TYPES: readonly string[] = [
  ...Object.keys(LIFECYCLE), 'user.account.update_profile',
  'group.lifecycle.create', 'group.lifecycle.delete', 'group.profile.update',
  'group.user_membership.add', 'group.user_membership.remove',
];

const targetOf = (e: OktaLogEvent, type: string) => (e.target ?? []).find((t) => t.type === type);
const text = (v: string | null | undefined) => (v && v.trim() !== '' && v !== 'unknown' ? v.trim() : undefined);

/**
 * One LogEvent as a directory fact, or null for one the directory does not read: another event
 * type, a failed outcome (a deactivation Okta refused changed nothing), or one without the target
 * it is about. A User target's `alternateId` is the login and `displayName` the name; a UserGroup's
 * `displayName` is the group's name (after a rename, the new one).
 */
export function directoryFactOf(e: OktaLogEvent): DirectoryFactValue | null {
  if (!DIRECTORY_EVENT_TYPES.includes(e.eventType)) return null;
  const result = e.outcome?.result;
  if (result && result.toUpperCase() !== 'SUCCESS') return null;
  const user = targetOf(e, 'User');
  const group = targetOf(e, 'UserGroup');
  const base = { eventId: e.uuid, time: e.published };
  const person = user && { oktaId: user.id, login: text(user.alternateId), displayName: text(user.displayName) ?? undefined };
  const status = LIFECYCLE[e.eventType];
  if (status) return person ? { ...base, person: { ...stated(person), status } } : null;
  if (e.eventType === 'user.account.update_profile') return person ? { ...base, person: stated(person) } : null;
  const named = group && stated({ oktaId: group.id, name: text(group.displayName) });
  if (e.eventType === 'group.lifecycle.delete') return named ? { ...base, group: { ...named, deleted: true } } : null;
  if (e.eventType.startsWith('group.lifecycle.') || e.eventType === 'group.profile.update') return named ? { ...base, group: named } : null;
  // a membership event names the user and the group
  if (!person || !named) return null;
  return { ...base, person: stated(person), group: named, member: e.eventType === 'group.user_membership.add' };
}

/** The fields with a value: a field the event does not carry is not stated. */
function stated<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
