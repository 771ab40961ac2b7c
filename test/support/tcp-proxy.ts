import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy on a loopback port in front of a real server (PostgreSQL, a Kafka broker), for fault
 * tests: `down()` closes the port and cuts every connection through it, as a host that went away
 * would (clients get ECONNREFUSED); `up()` opens the same port again.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly target: { host: string; port: number }, private listenPort: number) {}

  /** A proxy to `target`; `listening: false` gives one whose port is reserved but closed until `up()`. */
  static async start(target: { host: string; port: number }, { listening = true }: { listening?: boolean } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.up();
    if (!listening) await proxy.down();
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
