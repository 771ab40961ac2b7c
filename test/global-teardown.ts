export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __tributaryTestPg?: { stop: () => Promise<void> } }).__tributaryTestPg?.stop();
}
