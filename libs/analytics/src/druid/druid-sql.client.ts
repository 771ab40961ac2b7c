import { DomainError } from '@tributary/errors';
import type { DruidStatement } from './druid-statement';

export interface DruidSqlOptions {
  /** the broker (or router), e.g. http://druid-broker:8082: DRUID_URL */
  url: string;
  /** Druid stops a query after this long (its `timeout` context), and the request is given up shortly after */
  timeoutMs?: number;
}

/** Druid's error body (SQL API, Druid 28+). */
interface DruidErrorBody {
  error?: string;
  errorCode?: string;
  errorMessage?: string;
}

const UNKNOWN_OBJECT = /^Object '([^']+)' not found/;

/**
 * Druid SQL over HTTP: `POST {url}/druid/v2/sql` with the statement's parameters, rows as objects.
 * Failures become domain errors: the broker unreachable, failing (5xx) or out of resources is
 * `unavailable` (503: try later, or give Druid more memory); a datasource the broker does not know is
 * `druid_datasource_unknown`, which a reader may take for "nothing ingested yet". Any other refusal
 * is a fault in the statement and is thrown as a plain error.
 */
export class DruidSqlClient {
  private readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(options: DruidSqlOptions) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/druid/v2/sql`;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  async rows<T>(statement: DruidStatement): Promise<T[]> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...statement, resultFormat: 'object', context: { timeout: this.timeoutMs } }),
        // Druid's own timeout answers first; this one covers a broker that accepts and never answers
        signal: AbortSignal.timeout(this.timeoutMs + 5_000),
      });
    } catch (error) {
      throw unavailable(`Druid's broker (DRUID_URL) is unreachable${causeCode(error)}`);
    }
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T[];
    const body = parseError(text);
    const unknown = UNKNOWN_OBJECT.exec(body.errorMessage ?? '');
    if (response.status === 400 && unknown) {
      throw new DomainError('not_found', 'druid_datasource_unknown', `Druid knows no datasource ${unknown[1]} (yet)`, { datasource: unknown[1] });
    }
    if (body.error === 'Resource limit exceeded' || response.status === 429) {
      throw new DomainError('unavailable', 'druid_resources', `Druid refused the query for lack of resources: ${firstLine(body.errorMessage)}`);
    }
    if (response.status >= 500) throw unavailable(`Druid failed the query (HTTP ${response.status}): ${firstLine(body.errorMessage)}`);
    throw new Error(`Druid refused a statement (HTTP ${response.status}, ${body.errorCode ?? 'no code'}): ${body.errorMessage ?? text.slice(0, 500)}`);
  }
}

const unavailable = (message: string) => new DomainError('unavailable', 'druid_unavailable', message);

/** Node's code for a failed connection (ECONNREFUSED, a timeout), never the address: messages reach API clients. */
function causeCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } })?.cause;
  const code = cause?.code ?? (error as { name?: unknown })?.name;
  return typeof code === 'string' && /^[A-Za-z_]{2,40}$/.test(code) ? ` (${code})` : '';
}

function parseError(text: string): DruidErrorBody {
  try {
    return JSON.parse(text) as DruidErrorBody;
  } catch {
    return { errorMessage: text.slice(0, 500) };
  }
}

const firstLine = (message: string | undefined) => (message ?? 'no message').split('\n')[0].slice(0, 300);
