import { z } from 'zod';
import { globMatches } from '../mapping/glob';
import { fillTemplate as fillNameTemplate, IdentifierPart, NameCase, templateSchema } from '../mapping/name-template';

/*
 * A Monte Carlo table id is not a catalog qualified name. The connector's configuration says how to
 * build one: an ordered list of rules, each with an optional match and a template such as
 * `snowflake/acme/{database}/{schema}/{table}`. The first rule that matches and can be filled wins.
 * A table no rule maps is not an error: its incident keeps the reference unresolved.
 */

export const TEMPLATE_PLACEHOLDERS = ['database', 'schema', 'table', 'resource'] as const;

export const TableMappingRule = z.strictObject({
  /** all given fields must match; no match at all matches every table */
  match: z
    .strictObject({
      /** Monte Carlo account uuid (the MCON's, else the delivery's `account.id`); case-insensitive */
      account: z.string().min(1).max(128, 'at most 128 characters').optional(),
      /** Monte Carlo resource (warehouse) uuid; only an MCON names one; case-insensitive */
      resource: z.string().min(1).max(128, 'at most 128 characters').optional(),
      /** the table id's database (BigQuery: project); `*` matches any run of characters; case-insensitive */
      database: z.string().min(1).max(256, 'at most 256 characters').optional(),
    })
    .optional(),
  /** builds the qualified name from {database}, {schema}, {table} and {resource} */
  template: templateSchema(TEMPLATE_PLACEHOLDERS),
  /** applied to the database, schema and table parts (not the template's own text); default preserve */
  case: NameCase.optional(),
});
export type TableMappingRule = z.infer<typeof TableMappingRule>;

export const TableMappingConfig = z.array(TableMappingRule).max(100, 'at most 100 mapping rules');
export type TableMappingConfig = z.infer<typeof TableMappingConfig>;

export interface ParsedTableRef {
  database: IdentifierPart;
  schema: IdentifierPart;
  table: IdentifierPart;
  /** present when the ref is an MCON */
  account?: string;
  resource?: string;
}

const MCON_PREFIX = 'MCON++';
const MCON_SEPARATOR = '++';
const FIELD_SEPARATOR = '+++';

/**
 * Reads a table reference: a full table id or an MCON.
 *
 * MCON: `MCON++<account>++<resource>++<object type>++<object id>`. The object id is taken whole
 * after the fourth separator (it may itself contain `+`). A field's object id is
 * `<table id>+++<field>`: it is read as its table. Any other object type whose id parses as a table
 * id is read as that table (tables, views, external and wildcard tables share the form).
 *
 * Full table id: `database:schema.table` (BigQuery: `project:dataset.table`), read with two choices:
 * - the database ends at the LAST `:`, because BigQuery domain-scoped projects contain one
 *   (`example.com:project:dataset.table`);
 * - the schema ends at the FIRST `.` after it, so a table name may contain dots (warehouses allow
 *   them in quoted identifiers) while a schema name may not (BigQuery dataset names cannot hold one).
 * Double-quoted parts (`"my.table"`, `""` for a quote) are read whole, separators inside included.
 * Null when the ref has no database, schema or table.
 */
export function parseTableRef(ref: string): ParsedTableRef | null {
  if (!ref.startsWith(MCON_PREFIX)) return parseTableId(ref);
  const rest = ref.slice(MCON_PREFIX.length);
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 3; i++) {
    const at = rest.indexOf(MCON_SEPARATOR, from);
    if (at < 0) return null;
    parts.push(rest.slice(from, at));
    from = at + MCON_SEPARATOR.length;
  }
  const [account, resource, objectType] = parts;
  let objectId = rest.slice(from);
  const fieldAt = objectId.indexOf(FIELD_SEPARATOR);
  if (fieldAt >= 0) objectId = objectId.slice(0, fieldAt);
  else if (objectType === 'field') return null;
  const table = parseTableId(objectId);
  if (!table || !account || !resource) return null;
  return { ...table, account, resource };
}

/**
 * A table named in two parts (the contract: "`payload.group_id` as `database:schema` ... and
 * `event_list[].table_name` as the bare table name"; a public sample shows `"zeus:ares"`): the full
 * table id the two make, `database:schema.table`, so that it maps, and is stored, like a table
 * named whole. Null when the group is not `database:schema` (a schema part without a `.`, read like
 * a full id's) or the name is not one identifier (a name with a separator is read as it is).
 */
export function groupedTableId(groupId: string, tableName: string): string | null {
  const group = splitUnquoted(groupId);
  const table = splitUnquoted(tableName);
  if (!group || !table || table.length === 0 || table.some((t) => t.kind === 'separator')) return null;
  const lastColon = group.map((t) => t.kind === 'separator' && t.text === ':').lastIndexOf(true);
  if (lastColon < 0) return null;
  const schema = group.slice(lastColon + 1);
  if (!joinPart(group.slice(0, lastColon)) || schema.some((t) => t.kind === 'separator') || !joinPart(schema) || !joinPart(table)) return null;
  return `${groupId}.${tableName}`;
}

function parseTableId(id: string): ParsedTableRef | null {
  const tokens = splitUnquoted(id);
  if (!tokens) return null;
  const lastColon = tokens.map((t) => t.kind === 'separator' && t.text === ':').lastIndexOf(true);
  if (lastColon < 0) return null;
  const afterColon = tokens.slice(lastColon + 1);
  const firstDot = afterColon.findIndex((t) => t.kind === 'separator' && t.text === '.');
  if (firstDot < 0) return null;
  const database = joinPart(tokens.slice(0, lastColon));
  const schema = joinPart(afterColon.slice(0, firstDot));
  const table = joinPart(afterColon.slice(firstDot + 1));
  if (!database || !schema || !table) return null;
  return { database, schema, table };
}

type Token = { kind: 'separator'; text: string } | { kind: 'text'; text: string; quoted: boolean };

/** Splits on `:` and `.` outside double quotes; null on an unterminated quote. */
function splitUnquoted(id: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  while (i < id.length) {
    const c = id[i];
    if (c === ':' || c === '.') {
      tokens.push({ kind: 'separator', text: c });
      i++;
    } else if (c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= id.length) return null;
        if (id[i] === '"' && id[i + 1] === '"') {
          text += '"';
          i += 2;
        } else if (id[i] === '"') {
          i++;
          break;
        } else {
          text += id[i++];
        }
      }
      tokens.push({ kind: 'text', text, quoted: true });
    } else {
      let j = i;
      while (j < id.length && !':."'.includes(id[j])) j++;
      tokens.push({ kind: 'text', text: id.slice(i, j), quoted: false });
      i = j;
    }
  }
  return tokens;
}

/** Rejoins a run of tokens into one part; a part mixing quoted and bare text counts as quoted. */
function joinPart(tokens: Token[]): IdentifierPart | null {
  if (tokens.length === 0) return null;
  const value = tokens.map((t) => t.text).join('');
  if (value === '') return null;
  return { value, quoted: tokens.some((t) => t.kind === 'text' && t.quoted) };
}

export interface MappingContext {
  /** the delivery's `account.id`, used when the ref is not an MCON */
  account?: string;
}

/**
 * The catalog qualified name for a Monte Carlo table reference: the first rule that matches and
 * whose template can be filled (a `{resource}` template cannot be filled from a plain table id)
 * builds it. Null when the ref does not parse or no rule applies.
 */
export function mapTableRef(ref: string, rules: readonly TableMappingRule[], ctx: MappingContext): { qualifiedName: string | null } {
  const parsed = parseTableRef(ref);
  if (!parsed) return { qualifiedName: null };
  for (const rule of rules) {
    if (!ruleMatches(rule, parsed, ctx)) continue;
    const qualifiedName = fillTemplate(rule, parsed);
    if (qualifiedName !== null) return { qualifiedName };
  }
  return { qualifiedName: null };
}

function ruleMatches(rule: TableMappingRule, ref: ParsedTableRef, ctx: MappingContext): boolean {
  const match = rule.match;
  if (!match) return true;
  if (match.account !== undefined && !sameId(match.account, ref.account ?? ctx.account)) return false;
  if (match.resource !== undefined && !sameId(match.resource, ref.resource)) return false;
  if (match.database !== undefined && !globMatches(match.database, ref.database.value)) return false;
  return true;
}

function sameId(expected: string, actual: string | undefined): boolean {
  return actual !== undefined && expected.toLowerCase() === actual.toLowerCase();
}

function fillTemplate(rule: TableMappingRule, ref: ParsedTableRef): string | null {
  // a resource is Monte Carlo's uuid, not a warehouse identifier: no case rule applies to it
  return fillNameTemplate(rule.template, { database: ref.database, schema: ref.schema, table: ref.table,
    resource: ref.resource === undefined ? undefined : { value: ref.resource, quoted: true } }, rule.case);
}
