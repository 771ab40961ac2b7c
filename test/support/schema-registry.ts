import { createServer } from 'node:net';

/** The schema registry of the engines (scripts/engines.sh up): its Confluent-compatible API. */
export const schemaRegistryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';

/** A registry that is down: a loopback port that was free a moment ago. */
export async function unreachableRegistryUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/apis/ccompat/v7`;
}
