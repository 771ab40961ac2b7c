import { z } from 'zod';

/*
 * The mechanism every source's mapping rules share (Monte Carlo's table ids, OpenLineage's dataset
 * names): an ordered list of rules, each a template such as `snowflake/acme/{database}/{schema}/{table}`
 * filled from the parts of the source's own name, and a case rule for those parts. A source declares
 * which placeholders exist and how to match a rule; the first rule that matches and can be filled
 * wins, and a name no rule maps stays an unresolved reference.
 */

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Why a template is unusable with these placeholders, or undefined when it is fine. */
export function templateProblem(template: string, placeholders: readonly string[]): string | undefined {
  const unknown = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((name) => !placeholders.includes(name));
  const allowed = placeholders.map((p) => `{${p}}`).join(', ');
  if (unknown.length > 0) {
    return `the template uses unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; allowed: ${allowed}`;
  }
  if (/[{}]/.test(template.replace(PLACEHOLDER, ''))) {
    return `the template has an unmatched { or }; placeholders are written ${allowed}`;
  }
  return undefined;
}

/** A rule's template: at most 1024 characters, only the given placeholders. */
export function templateSchema(placeholders: readonly string[]) {
  return z.string().min(1, 'the template must not be empty').max(1024, 'at most 1024 characters').superRefine((template, ctx) => {
    const problem = templateProblem(template, placeholders);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** applied to the source name's parts (not the template's own text); default preserve */
export const NameCase = z.enum(['upper', 'lower', 'preserve']);
export type NameCase = z.infer<typeof NameCase>;

/** One part of a source's name. A quoted identifier is case-sensitive: case rules leave it alone. */
export interface IdentifierPart {
  value: string;
  quoted: boolean;
}

/**
 * The template with each placeholder replaced by its part (case applied), or null when a part it
 * uses is absent (a `{resource}` template cannot be filled from a plain table id).
 */
export function fillTemplate(template: string, parts: Readonly<Record<string, IdentifierPart | undefined>>, nameCase: NameCase | undefined): string | null {
  let missing = false;
  const filled = template.replace(PLACEHOLDER, (whole, name: string) => {
    const part = Object.hasOwn(parts, name) ? parts[name] : undefined;
    if (part === undefined) missing = true;
    return part === undefined ? whole : applyCase(part, nameCase);
  });
  return missing ? null : filled;
}

function applyCase(part: IdentifierPart, nameCase: NameCase | undefined): string {
  if (part.quoted || nameCase === undefined || nameCase === 'preserve') return part.value;
  return nameCase === 'upper' ? part.value.toUpperCase() : part.value.toLowerCase();
}
