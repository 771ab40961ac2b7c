import { z } from 'zod';

/** The SourceFact kind of a directory record (a person, a group, a membership); applied by the ingest's DirectoryFactApplier. */
export const DIRECTORY_FACT_KIND = 'directory';

const Status = z.enum(['active', 'staged', 'suspended', 'deactivated', 'deleted']);
const Text = z.string().min(1).max(512);

/**
 * A directory fact as a source connector states it (Okta's event hooks and management API): a
 * person, a group, or both with `member`, true at `time`. What a fact leaves out it does not state.
 * The applier checks every fact against this before anything is written.
 */
export const DirectoryFactValue = z.strictObject({
  /** the source event's id (Okta's LogEvent uuid): a redelivery has the same one; null for a read of the current state */
  eventId: Text.nullable(),
  time: z.iso.datetime({ offset: true }),
  person: z.strictObject({
    oktaId: Text,
    login: Text.optional(),
    email: Text.nullable().optional(),
    displayName: Text.nullable().optional(),
    givenName: Text.nullable().optional(),
    familyName: Text.nullable().optional(),
    status: Status.optional(),
  }).optional(),
  group: z.strictObject({ oktaId: Text, name: Text.optional(), deleted: z.boolean().optional() }).optional(),
  member: z.boolean().optional(),
}).refine((f) => f.person !== undefined || f.group !== undefined, 'a directory fact names a person, a group or both')
  .refine((f) => f.member === undefined || (f.person !== undefined && f.group !== undefined), 'a membership names both the person and the group');
export type DirectoryFactValue = z.infer<typeof DirectoryFactValue>;
