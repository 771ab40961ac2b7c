import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = 'scripts/engines.sh';

/** The engines a distributed run uses, and what the run must do with them when it ends. */
export interface Engines {
  /** KAFKA_BROKERS, DATABASE_URL, REDIS_URL, … as `engines.sh env` prints them. */
  env: Record<string, string>;
  /** Engine processes whose CPU to report, by name (those this machine shows). */
  pids: Record<string, number>;
  /** Stops the engines if this run started them; leaves them running otherwise (others use them). */
  release(): Promise<void>;
}

/**
 * Uses the engines if `engines.sh status` says all are ready; otherwise starts them with
 * `engines.sh up`, and `release` runs `engines.sh down` (which stops only what `up` started).
 */
export async function acquireEngines(progress: (line: string) => void): Promise<Engines> {
  let status = await engineStatus();
  let startedHere = false;
  if (!status.ready) {
    progress('engines not all running: scripts/engines.sh up');
    await run('bash', [SCRIPT, 'up'], { maxBuffer: 16 * 2 ** 20, timeout: 900_000 });
    startedHere = true;
    status = await engineStatus();
    if (!status.ready) throw new Error(`engines.sh up finished, but status says:\n${status.text}`);
  } else {
    progress('engines already running: using them, and leaving them running');
  }
  const env = await engineEnv();
  return {
    env,
    pids: enginePids(status.text),
    release: async () => {
      if (!startedHere) return;
      progress('stopping the engines this run started: scripts/engines.sh down');
      await run('bash', [SCRIPT, 'down'], { maxBuffer: 16 * 2 ** 20, timeout: 300_000 });
    },
  };
}

/** What `engines.sh env` exports for the engines running now (Druid's URLs only while it runs). */
export async function engineEnv(): Promise<Record<string, string>> {
  const { stdout } = await run('bash', [SCRIPT, 'env']);
  return Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

/** `engines.sh status` exits 0 only when every engine is ready. */
async function engineStatus(): Promise<{ ready: boolean; text: string }> {
  try {
    return { ready: true, text: (await run('bash', [SCRIPT, 'status'])).stdout };
  } catch (err) {
    return { ready: false, text: String((err as { stdout?: string }).stdout ?? err) };
  }
}

/** Kafka's pid as the status line names it (`kafka running (pid N)`); Redis, the machine's, by its process name. */
function enginePids(status: string): Record<string, number> {
  const pids: Record<string, number> = {};
  const kafka = /^kafka\s+running \(pid (\d+)\)/m.exec(status);
  if (kafka) pids.Kafka = Number(kafka[1]);
  const redis = readdirSync('/proc').find((entry) => /^\d+$/.test(entry) && commOf(entry) === 'redis-server');
  if (redis) pids.Redis = Number(redis);
  return pids;
}

function commOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
