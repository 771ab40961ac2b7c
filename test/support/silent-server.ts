import { createServer, Server, Socket } from 'node:net';

/**
 * A TCP server that accepts connections and never answers: a database host that is up but hung (or
 * a firewall that swallows packets). A client without a connect timeout waits on it forever.
 */
export async function startSilentServer(): Promise<{ url: (path?: string) => string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (path = 'tributary') => `postgres://nobody@127.0.0.1:${port}/${path}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
