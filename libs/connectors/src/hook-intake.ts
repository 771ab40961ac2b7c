import type { IncomingHttpHeaders } from 'node:http';
import type { ConnectorPlugin } from './connector-plugin';
import type { BodyIssue } from './source-connector';

/** How a webhook proved whose it is: `stale` is a signature that matches over a request too old to take (a replay). */
export type HookAuth = 'verified' | 'invalid' | 'stale';

/** A webhook body's shape: the key that orders its deliveries, or why it is refused. */
export type HookBodyCheck =
  | { ok: true; orderingKey: string }
  /** not the kind of body at all (not JSON, not a form): 400 with this code */
  | { ok: false; malformed: { code: string; message: string } }
  /** the right kind of body with the wrong shape: 422 naming each path */
  | { ok: false; issues: BodyIssue[] };

/**
 * What HooksService needs of a connector to take its webhooks, in the intake order: its
 * authentication over the raw bytes, then (after the enabled check) its body's shape.
 */
export interface HookIntake {
  verify(rawBody: Buffer, headers: IncomingHttpHeaders, signingSecret: string, nowMs: number): HookAuth;
  validate(rawBody: Buffer, contentType: string): HookBodyCheck;
  /** the content type the delivery is logged with, when not the request's own */
  readonly loggedContentType?: string;
}

/**
 * A connector's webhook intake: a source's signature and body check, or a target's reply facet;
 * undefined for a target that takes no replies (Teams) and a source that takes no webhooks (Atlas).
 */
export function hookIntakeOf(plugin: ConnectorPlugin): HookIntake | undefined {
  if (plugin.kind === 'target') return plugin.replies;
  if (plugin.receivesWebhooks === false) return undefined;
  return {
    verify: (rawBody, headers, signingSecret) => (plugin.verifySignature(rawBody, headers, signingSecret) ? 'verified' : 'invalid'),
    validate(rawBody) {
      const json = jsonBody(rawBody);
      if (!json.ok) return json;
      const checked = plugin.validateBody(json.body);
      return checked.ok ? checked : { ok: false, issues: checked.issues };
    },
    // Logged as the JSON this parsed, whatever type the request named: a source's normalizer reads it by this type.
    loggedContentType: 'application/json',
  };
}

/** A webhook's raw bytes as JSON, or the 400 `invalid_json` that names why not. */
export function jsonBody(rawBody: Buffer): { ok: true; body: unknown } | { ok: false; malformed: { code: string; message: string } } {
  try {
    return { ok: true, body: JSON.parse(rawBody.toString('utf8')) };
  } catch (err) {
    return { ok: false, malformed: { code: 'invalid_json', message: `the body is not valid JSON: ${(err as Error).message}` } };
  }
}
