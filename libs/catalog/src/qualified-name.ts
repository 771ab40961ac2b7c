import { z } from 'zod';

/**
 * Qualified names are opaque, unique per tenant, 1-2048 characters. They are also capped at 2600
 * UTF-8 bytes: PostgreSQL's unique b-tree index cannot hold a longer key, and a name made only of
 * multi-byte characters would otherwise pass the character check and fail deep in the store.
 */
export const QualifiedName = z.string()
  .min(1, 'a qualified name must not be empty')
  .max(2048, 'a qualified name must be at most 2048 characters')
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 2600, 'a qualified name must be at most 2600 bytes in UTF-8');

export const TypeName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,127}$/, 'a type name is a letter then up to 127 letters, digits or _');

/** The ids the platform makes (incidents, connectors, dead letters, backfills, rules): UUIDs. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ClassificationName = z.string()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.:/-]{0,255}$/u, 'a classification name is 1-256 letters, digits, space, _ . : / or -');
