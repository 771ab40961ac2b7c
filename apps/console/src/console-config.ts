import type { z } from 'zod';
import type { ConsoleConfig } from '../../api/src/http/responses';

/** What the console needs before sign-in (GET /v1/console/config, public): the single sign-on offered, if any. */
export async function consoleConfig(): Promise<z.infer<typeof ConsoleConfig>> {
  const response = await fetch('/v1/console/config', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`the console's configuration could not be read (HTTP ${response.status})`);
  return (await response.json()) as z.infer<typeof ConsoleConfig>;
}
