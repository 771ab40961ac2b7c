import { Config } from '@tributary/config';
import { retryPause } from '@tributary/eventlog';
import type { JobHandler, JobOutcome } from '@tributary/queue';
import { Backoff, describeDatabaseProblem, isDatabaseUnavailable, TenantId } from '@tributary/store';

/** A failing tenant's backoff: 1 s after its first failure, doubling up to TRIBUTARY_TENANT_RETRY_MAX_MS. */
export function tenantBackoff(config: Config): Backoff {
  return { baseMs: Math.min(1000, config.tenantRetryMaxMs), maxMs: config.tenantRetryMaxMs };
}

/**
 * Tenant jobs wait out their tenant's outage: a job whose handler fails because its tenant's
 * database cannot be used is deferred on the tenant's backoff (the more of its jobs fail in a row,
 * the longer), without spending an attempt. So a broken tenant's jobs neither die into the dead
 * letters (which need that same database) nor keep the workers from other tenants' jobs: each of
 * its runs fails at once and leaves the queue to the others until its backoff has passed.
 */
export class TenantJobs {
  /** Tenants whose last job found their database unavailable, with how many did in a row. */
  private readonly failing = new Map<TenantId, number>();

  constructor(private readonly backoff: Backoff) {}

  handler<T extends { tenantId: TenantId }>(handler: JobHandler<T>): JobHandler<T> {
    return async (job): Promise<JobOutcome> => {
      const tenantId = job.data.tenantId;
      try {
        const outcome = await handler(job);
        this.failing.delete(tenantId);
        return outcome;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        const failures = (this.failing.get(tenantId) ?? 0) + 1;
        this.failing.set(tenantId, failures);
        return { status: 'deferred', reason: `the tenant's database is ${describeDatabaseProblem(err)}`,
          delayMs: retryPause(failures, this.backoff.baseMs, this.backoff.maxMs) };
      }
    };
  }
}
