import { chooseTestServer, setAdminUrl } from './support/test-postgres';

export default async function globalSetup(): Promise<void> {
  const server = await chooseTestServer();
  setAdminUrl(server.url);
  (globalThis as { __tributaryTestPg?: typeof server }).__tributaryTestPg = server;
  console.log(`\ntests use ${server.description}`);
}
