import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port';
import { waitFor } from '../support/wait-for';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'apps', 'platform', 'src', 'main.js');

/** The bash block of the README marked `walkthrough`, as a reader would paste it. */
function readmeWalkthrough(): string {
  const m = /```bash walkthrough\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (!m) throw new Error('README.md has no ```bash walkthrough block');
  return m[1];
}

interface Started {
  child: ChildProcess;
  /** stdout: the JSON log */
  log: () => string;
  /** stderr: the terminal's notices (and the log's errors) */
  terminal: () => string;
  output: () => string;
  url: string;
}

/** `npm start` as built: the real process, on its embedded PostgreSQL, in a fresh data directory. */
async function startPlatform(dataDir: string, port: number, pgPort: number): Promise<Started> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TRIBUTARY_DATA_DIR: dataDir,
      TRIBUTARY_EMBEDDED_PG_PORT: String(pgPort), DATABASE_URL: '', TRIBUTARY_BOOTSTRAP_ADMIN_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let [log, terminal] = ['', ''];
  child.stdout!.on('data', (c) => { log += c; });
  child.stderr!.on('data', (c) => { terminal += c; });
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (log.includes('listening on')) { clearInterval(check); resolve(); }
      if (child.exitCode !== null) { clearInterval(check); reject(new Error(`platform exited: ${log}${terminal}`)); }
    }, 100);
  });
  return { child, log: () => log, terminal: () => terminal, output: () => log + terminal, url: `http://127.0.0.1:${port}` };
}

const stop = (s: Started) => new Promise<number | null>((resolve) => {
  s.child.once('exit', (code) => resolve(code));
  s.child.kill('SIGTERM');
});

const accepts = (port: number) => new Promise<boolean>((resolve) => {
  const socket = connect(port, '127.0.0.1');
  socket.once('connect', () => { socket.destroy(); resolve(true); });
  socket.once('error', () => resolve(false));
});

describe('the platform process (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-start-'));
  let port: number;
  let pgPort: number;
  let key: string;
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts on the embedded PostgreSQL, prints the admin key once on the terminal, and the README walkthrough works as written', async () => {
    [port, pgPort] = [await freePort(), await freePort()];
    const first = await startPlatform(dataDir, port, pgPort);
    try {
      // the banner comes on stderr after the "listening" line: wait for it
      key = await waitFor('the admin key banner', async () => /^ {4}(trb_[A-Za-z0-9_-]+)$/m.exec(first.terminal())?.[1]);
      // not in the JSON log, where a log collector would keep it
      expect(first.log()).not.toContain(key);
      expect(first.log().split('\n').filter((line) => line.trim() && !line.startsWith('{'))).toEqual([]);
      const script = readmeWalkthrough().replace('http://localhost:8080', first.url);
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, TRB: key } });
      expect(stdout).toContain('"classifications":[{"name":"PII","propagate":true,"source":"direct"}]');
      expect(stdout).toContain('"nodes":[{"qualifiedName":"snowflake/acme/ANALYTICS/PUBLIC/ORDERS","typeName":"Table","depth":1}]');
      expect(stdout).toContain('"type":"asset.classification.added"');
    } finally {
      expect(await stop(first)).toBe(0);
    }
  });

  it('stops its PostgreSQL on SIGTERM and reuses the data on the next start, without a new key', async () => {
    const second = await startPlatform(dataDir, port, pgPort);
    try {
      expect(second.output()).not.toContain('trb_');
      const res = await fetch(`${second.url}/v1/assets/${encodeURIComponent('snowflake/acme/RAW/PUBLIC/PAYMENTS')}`,
        { headers: { Authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { version: number }).version).toBe(2);
      expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    } finally {
      expect(await stop(second)).toBe(0);
    }
    expect(await accepts(pgPort)).toBe(false);
  });
});
