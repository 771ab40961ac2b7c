import { randomBytes } from 'node:crypto';
import { asTenantId, Database, HeldRecordsRepository, SecretBox, TenantId } from '@tributary/store';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { createTestDatabase } from '../../../test/support/test-postgres';
import { waitFor } from '../../../test/support/wait-for';
import { LogRecord } from './event-log';
import { TenantIsolation } from './tenant-isolation';

describe(TenantIsolation.name, () => {
  let db: { url: string; drop: () => Promise<void> };
  let database: Database;
  let offset = 0;
  const [a, b] = [asTenantId('tenant-a'), asTenantId('tenant-b')];
  const record = (tenantId: TenantId, body: string): LogRecord => ({ stream: 'inbound', tenantId, key: `${tenantId}/k`, value: Buffer.from(body),
    headers: { h: body }, offset: `0/${++offset}`, appendedAt: new Date() });

  beforeAll(async () => {
    db = await createTestDatabase();
    database = await Database.open({ url: db.url, appRole: 'tributary_app', poolSize: 3, secrets: new SecretBox(randomBytes(32).toString('base64')) });
  });
  afterAll(async () => {
    await database.close();
    await db.drop();
  });

  /** A handler that records what it handled, and fails for the tenants in `broken`. */
  const handlerOf = (broken: Set<TenantId>, handled: string[]) => async (batch: LogRecord[]) => {
    const tenants = new Set(batch.map((r) => r.tenantId));
    for (const t of tenants) if (broken.has(t)) throw new Error(`${t} is down`);
    handled.push(...batch.map((r) => r.value.toString()));
  };

  it('handles the other tenants at once, holds a failing tenant\'s records (and its later ones, behind them), and hands them back in order once it recovers', async () => {
    const broken = new Set([b]);
    const handled: string[] = [];
    const failures: string[] = [];
    const isolation = new TenantIsolation(new HeldRecordsRepository(database), handlerOf(broken, handled), {
      group: 'spec', stream: 'inbound', batchSize: 2, backoff: { baseMs: 100, maxMs: 200 }, retryPollMs: 50,
      onTenantFailed: (tenantId, err) => failures.push(`${tenantId}: ${(err as Error).message}`), onError: (err) => { throw err; },
    });
    await isolation.handle([record(a, 'a1'), record(b, 'b1'), record(a, 'a2'), record(b, 'b2')]);
    expect(handled).toEqual(['a1', 'a2']);
    expect(failures).toEqual(['tenant-b: tenant-b is down']);
    expect(await isolation.heldTenants()).toBe(1);

    broken.delete(b); // b is back, but its next record must still wait behind the held ones
    await isolation.handle([record(b, 'b3'), record(a, 'a3')]);
    expect(handled).toEqual(['a1', 'a2', 'a3']);

    isolation.start();
    try {
      await waitFor('b\'s held records', async () => (handled.length === 6 ? true : undefined));
    } finally {
      await isolation.stop();
    }
    expect(handled).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    expect(await isolation.heldTenants()).toBe(0);
    // the handed-back records are the records as read, stream included
    await isolation.handle([record(b, 'b4')]);
    expect(handled.at(-1)).toBe('b4');
  });

  it('keeps retrying a tenant that is still down, on its backoff, without losing its records', async () => {
    const broken = new Set([b]);
    const handled: string[] = [];
    let failures = 0;
    const isolation = new TenantIsolation(new HeldRecordsRepository(database), handlerOf(broken, handled), {
      group: 'spec-retry', stream: 'inbound', batchSize: 10, backoff: { baseMs: 50, maxMs: 100 }, retryPollMs: 20,
      onTenantFailed: () => { failures += 1; }, onError: (err) => { throw err; },
    });
    await isolation.handle([record(b, 'x1'), record(b, 'x2')]);
    isolation.start();
    try {
      await waitFor('a few retries', async () => (failures >= 4 ? true : undefined));
      expect(handled).toEqual([]);
      broken.delete(b);
      await waitFor('the records after recovery', async () => (handled.length === 2 ? true : undefined));
    } finally {
      await isolation.stop();
    }
    expect(handled).toEqual(['x1', 'x2']);
  });

  it('fails the whole batch (the consumer retries it) when the control database cannot be reached to hold records', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(db.url).port) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const control = await Database.open({ url: viaProxy.toString(), appRole: 'tributary_app', poolSize: 1, secrets: new SecretBox(randomBytes(32).toString('base64')) });
    try {
      const handled: string[] = [];
      const isolation = new TenantIsolation(new HeldRecordsRepository(control), handlerOf(new Set([b]), handled), {
        group: 'spec-down', stream: 'inbound', batchSize: 10, backoff: { baseMs: 50, maxMs: 100 }, onTenantFailed: () => undefined, onError: () => undefined,
      });
      await proxy.down();
      await expect(isolation.handle([record(a, 'y1'), record(b, 'y2')])).rejects.toThrow();
      expect(handled).toEqual([]);
    } finally {
      await control.close();
      await proxy.down();
    }
  });
});
