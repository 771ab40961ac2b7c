import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { engineEnv } from '../distributed/engines';

const run = promisify(execFile);
const SCRIPT = 'scripts/engines.sh';

/** The local Druid: its broker and overlord, and what the run must do with it when it ends. */
export interface DruidEngine {
  brokerUrl: string;
  overlordUrl: string;
  /** Stops Druid if this run started it; leaves it running otherwise. */
  release(): Promise<void>;
}

/** Uses Druid if `engines.sh status druid` says it is ready; otherwise starts it (`up druid`), and `release` stops it (`down druid`). */
export async function acquireDruid(progress: (line: string) => void): Promise<DruidEngine> {
  const ready = await run('bash', [SCRIPT, 'status', 'druid']).then(() => true, () => false);
  if (!ready) {
    progress('Druid not running: scripts/engines.sh up druid');
    await run('bash', [SCRIPT, 'up', 'druid'], { maxBuffer: 16 * 2 ** 20, timeout: 900_000 });
  } else {
    progress('Druid already running: using it, and leaving it running');
  }
  const env = await engineEnv();
  if (!env.DRUID_URL || !env.DRUID_OVERLORD_URL) throw new Error(`engines.sh env names no Druid: ${JSON.stringify(env)}`);
  return {
    brokerUrl: env.DRUID_URL,
    overlordUrl: env.DRUID_OVERLORD_URL,
    release: async () => {
      if (ready) return;
      progress('stopping the Druid this run started: scripts/engines.sh down druid');
      await run('bash', [SCRIPT, 'down', 'druid'], { maxBuffer: 16 * 2 ** 20, timeout: 300_000 });
    },
  };
}
