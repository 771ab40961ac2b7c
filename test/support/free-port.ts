import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A loopback port for another process (a child app, an embedded PostgreSQL) to listen on soon.
 *
 * Not one the kernel hands out for `listen(0)`: that comes from the ephemeral range, and once closed any
 * outgoing connection on the machine may take it as its local port before the other process binds it
 * (CI saw a propagator fail so, EADDRINUSE, while the ingestors beside it were connecting to Kafka).
 * Ports below the ephemeral range are only ever taken by an explicit bind, so one is picked there at
 * random, probed free, and handed out at most once per process.
 */
export async function freePort(): Promise<number> {
  const { low, high } = candidateRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port found in ${low}-${high - 1} after 200 tries`);
}

const handedOut = new Set<number>();

/** [low, high): from 20000 up to where the kernel's ephemeral ports start (32768 unless set otherwise). */
function candidateRange(): { low: number; high: number } {
  const low = 20_000;
  let ephemeralStart = 32_768;
  try {
    ephemeralStart = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    // not Linux: keep the IANA default
  }
  if (!(ephemeralStart > low + 1000)) throw new Error(`the ephemeral port range starts at ${ephemeralStart}: no room below it for test ports`);
  return { low, high: ephemeralStart };
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
