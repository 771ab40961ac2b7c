/** How long a refused call is retried: an overlord refuses supervisors for a few seconds after it reports healthy. */
const RETRY_FOR_MS = 60_000;
const RETRY_PAUSE_MS = 1_000;

export class DruidRequestError extends Error {}

/**
 * The overlord's (and coordinator's) HTTP API for what ingestion needs: supervisors and retention
 * rules. Network failures and 5xx answers are retried for up to a minute; a 4xx is the spec's fault
 * and fails at once with Druid's own message.
 */
export class DruidOverlord {
  constructor(private readonly url: string, private readonly retryForMs = RETRY_FOR_MS) {}

  /** The stored supervisor spec of `id`, or null when there is none. */
  async supervisor(id: string): Promise<Record<string, unknown> | null> {
    return this.call('GET', `/druid/indexer/v1/supervisor/${encodeURIComponent(id)}`, undefined, true);
  }

  /** The ids of every supervisor. */
  async supervisors(): Promise<string[]> {
    return (await this.call<string[]>('GET', '/druid/indexer/v1/supervisor')) ?? [];
  }

  /** Creates or replaces a supervisor (Druid restarts its tasks with the new spec). */
  async submit(spec: Record<string, unknown>): Promise<void> {
    await this.call('POST', '/druid/indexer/v1/supervisor', spec);
  }

  async rules(datasource: string): Promise<unknown[]> {
    return (await this.call<unknown[]>('GET', `/druid/coordinator/v1/rules/${encodeURIComponent(datasource)}`)) ?? [];
  }

  async setRules(datasource: string, rules: unknown[]): Promise<void> {
    await this.call('POST', `/druid/coordinator/v1/rules/${encodeURIComponent(datasource)}`, rules);
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, notFoundIsNull = false): Promise<T | null> {
    const deadline = Date.now() + this.retryForMs;
    for (;;) {
      let failure: string;
      try {
        const res = await fetch(`${this.url}${path}`, {
          method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (res.ok) return text ? (JSON.parse(text) as T) : null;
        if (res.status === 404 && notFoundIsNull) return null;
        if (res.status < 500) throw new DruidRequestError(`${method} ${path}: Druid answered ${res.status}: ${text.slice(0, 500)}`);
        failure = `Druid answered ${res.status}: ${text.slice(0, 200)}`;
      } catch (err) {
        if (err instanceof DruidRequestError) throw err;
        failure = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() >= deadline) throw new DruidRequestError(`${method} ${this.url}${path} failed for ${this.retryForMs / 1000} s: ${failure}`);
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
  }
}
