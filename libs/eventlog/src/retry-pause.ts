/** The first pause of a loop that failed (a consumer's batch or connection, a relay's tenant). */
export const RETRY_FIRST_PAUSE_MS = 500;
/** The longest pause: a loop that keeps failing still tries twice a minute, and never gives up. */
export const RETRY_MAX_PAUSE_MS = 30_000;

/** The pause after `failures` failures in a row: doubling from `firstMs`, at most `maxMs`. */
export function retryPause(failures: number, firstMs = RETRY_FIRST_PAUSE_MS, maxMs = RETRY_MAX_PAUSE_MS): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(20, Math.max(0, failures - 1)));
}
