import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SchemaRegistryClient, SchemaRegistryError } from './schema-registry.client';

/** A stand-in registry answering GET /schemas/ids/{id} with a schema of `chars` characters. */
async function fakeRegistry(answer: { chars: number }) {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify({ schema: `"${'s'.repeat(answer.chars)}"` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe(SchemaRegistryClient.name, () => {
  it('reads a schema by id', async () => {
    const registry = await fakeRegistry({ chars: 10 });
    try {
      expect(await new SchemaRegistryClient(registry.url).schemaById(1)).toBe(`"${'s'.repeat(10)}"`);
    } finally {
      await registry.stop();
    }
  });

  it('refuses an answer larger than 1 MiB instead of reading it whole', async () => {
    const registry = await fakeRegistry({ chars: 3 * 1024 * 1024 });
    try {
      const err = await new SchemaRegistryClient(registry.url).schemaById(1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchemaRegistryError);
      expect((err as Error).message).toMatch(/larger than 1048576 bytes/);
    } finally {
      await registry.stop();
    }
  });
});
