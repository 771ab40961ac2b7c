import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitFor } from './wait-for';

/** The repository root: above test/support/ when jest runs this file, above dist/test/support/ when a benchmark imports it. */
const ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = dirname(dir);
  }
  return dir;
})();
export type AppName = 'api' | 'ingestor' | 'propagator' | 'platform';
const mainOf = (app: AppName) => join(ROOT, 'dist', 'apps', app, 'src', 'main.js');

/**
 * Builds dist/ when the sources changed since its last build (scripts/ensure-built.js, as `npm start`
 * does), so that the processes a test spawns run the code under test, not a stale build. A build of a
 * tree that does not typecheck fails here, with tsc's output.
 */
export function ensureBuilt(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-built.js')], { cwd: ROOT, stdio: 'pipe', timeout: 300_000 });
}

/**
 * One app running as its own process (`node dist/apps/<app>/src/main.js`), on its own port, and with
 * `ports.metrics` its metrics on another (METRICS_PORT).
 */
export class AppProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private log = '';
  readonly port: number;

  /** `nodeArgs`: options for node itself, e.g. `--cpu-prof` (which NODE_OPTIONS does not allow). */
  constructor(readonly label: string, app: AppName, private readonly ports: { http: number; metrics?: number }, env: Record<string, string>,
    nodeArgs: string[] = []) {
    this.port = ports.http;
    this.child = spawn(process.execPath, [...nodeArgs, mainOf(app)], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(ports.http), HOST: '127.0.0.1',
        ...(ports.metrics === undefined ? {} : { METRICS_PORT: String(ports.metrics) }) },
    });
    const keep = (chunk: Buffer) => { this.log = (this.log + chunk.toString()).slice(-20_000); };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** For reading the process's CPU use from /proc. */
  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last output of the process, for a failing test's message. */
  output(): string {
    return `--- ${this.label} (exit ${this.child.exitCode ?? this.child.signalCode ?? 'running'}) ---\n${this.log}`;
  }

  /** Waits until the process answers /readyz (its store is up and its modules have started). */
  async ready(deadlineMs = 60_000): Promise<void> {
    await waitFor(`${this.label} to be ready`, async () => {
      if (!this.running) throw new Error(`${this.label} exited\n${this.output()}`);
      const res = await fetch(`${this.url}/readyz`).catch(() => undefined);
      return res?.ok ? true : undefined;
    }, deadlineMs);
  }

  /** The process's /metrics, from its metrics port (which needs no credential). */
  async metrics(): Promise<string> {
    if (this.ports.metrics === undefined) throw new Error(`${this.label} was started without a metrics port`);
    const res = await fetch(`http://127.0.0.1:${this.ports.metrics}/metrics`);
    if (!res.ok) throw new Error(`${this.label} /metrics: ${res.status} ${await res.text()}`);
    return res.text();
  }

  /** SIGKILL: no shutdown hook runs, connections drop, whatever was in flight is abandoned. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the graceful shutdown), then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The sum of the samples of a metric in a /metrics text that carry these labels; `whenAbsent` when
 * there is none, else it throws (a scrape that failed must not read as zero).
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}, whenAbsent?: number): number {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const has = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => has[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  if (sum === undefined && whenAbsent !== undefined) return whenAbsent;
  if (sum === undefined) throw new Error(`no sample ${name}${JSON.stringify(labels)} in:\n${text.slice(0, 500)}`);
  return sum;
}
