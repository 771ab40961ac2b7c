import type { z } from 'zod';
import type {
  ApiKeyList, AssetPage, AssetView, BackfillPage, ChangeItem, ConnectorList, CreatedApiKey, CreatedConnector, DeadLetterPage, ExpressionChecked,
  IncidentImpact, IncidentPage, IncidentTrends, IncidentView, LineageGraph, LineageHotspots, PipelineLag, Rule as RuleView, RuleList, RulePreviewed, SavedRule, SessionView,
} from '../../api/src/http/responses';
import type { CreateRuleBody, UpdateRuleBody } from '../../../libs/propagation/src/rules.service';
import { hasAnyRole, type Role } from '../../../libs/auth/src/roles';
import { credential } from './session';

// The API's own answer shapes (apps/api/src/http/responses.ts), as types only: nothing of the server is bundled.
export type Session = z.infer<typeof SessionView>;
export type Incident = z.infer<typeof IncidentPage>['items'][number];
export type IncidentList = z.infer<typeof IncidentPage>;
export type Change = z.infer<typeof ChangeItem>;
export type Asset = z.infer<typeof AssetView>;
export type AssetList = z.infer<typeof AssetPage>;
export type Lineage = z.infer<typeof LineageGraph>;
export type IncidentDetail = z.infer<typeof IncidentView>;
export type Impact = z.infer<typeof IncidentImpact>;
export type Trends = z.infer<typeof IncidentTrends>;
export type Hotspots = z.infer<typeof LineageHotspots>;
export type Lag = z.infer<typeof PipelineLag>;
export type Rule = z.infer<typeof RuleView>;
export type Rules = z.infer<typeof RuleList>;
export type Saved = z.infer<typeof SavedRule>;
export type Preview = z.infer<typeof RulePreviewed>;
export type Checked = z.infer<typeof ExpressionChecked>;
// The bodies the API parses rules with (z.input: what may be sent, defaults left out).
export type NewRule = z.input<typeof CreateRuleBody>;
export type RuleChange = z.input<typeof UpdateRuleBody>;

/** Whether the session's roles allow a page (the server's own role implications: an admin is also a steward, …). */
export const allows = (session: Session | undefined, role: Role): boolean => !!session && hasAnyRole(session.roles, [role]);

/** A JSON body for api(). */
export const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export type Connectors = z.infer<typeof ConnectorList>;
export type CreatedConnectorAnswer = z.infer<typeof CreatedConnector>;
export type DeadLetters = z.infer<typeof DeadLetterPage>;
export type Backfills = z.infer<typeof BackfillPage>;
export type ApiKeys = z.infer<typeof ApiKeyList>;
export type NewApiKey = z.infer<typeof CreatedApiKey>;

/** A qualified name as a path segment (they hold slashes). */
export const enc = encodeURIComponent;

/** An answer other than 2xx, with the API's error code and message (API.md's error format). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** A call to the public API with the person's credential; ApiError for any answer but 2xx. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const key = credential();
  if (!key) throw new ApiError(401, 'signed_out', 'Sign in with an API key first.');
  const response = await fetch(path, { ...init, headers: { accept: 'application/json', authorization: `Bearer ${key}`, ...init.headers } });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null;
    throw new ApiError(response.status, body?.error?.code ?? `http_${response.status}`, body?.error?.message ?? response.statusText, body?.error?.details);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** What a person is told for an error: 401 and 403 in words, the API's message otherwise. */
export function explain(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  if (err.status === 401) return `Your credential was refused (${err.message}). Sign in again.`;
  if (err.status === 403) return `Your credential's roles do not allow this (${err.message}).`;
  return `${err.message} (${err.code})`;
}
