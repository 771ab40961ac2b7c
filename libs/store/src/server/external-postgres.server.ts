import { PostgresServer } from './postgres-server';

/** Any PostgreSQL reachable by URL (distributed mode). It is not ours to start or stop. */
export class ExternalPostgresServer implements PostgresServer {
  constructor(private readonly url: string) {}

  async start(): Promise<void> {}

  connectionString(): string {
    return this.url;
  }

  async stop(): Promise<void> {}

  describe(): string {
    const u = new URL(this.url);
    return `external PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
  }
}
