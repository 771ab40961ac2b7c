import { deadLetterCodec, DeadLetterRecord } from '@tributary/contracts';
import type { LogRecord } from '@tributary/eventlog';
import { asTenantId, DeadLettersRepository } from '@tributary/store';
import { startTestApp, TestApp } from '../../../test/support/test-app';
import { waitFor } from '../../../test/support/wait-for';
import { DeadLettersService } from './dead-letters.service';

describe(DeadLettersService.name, () => {
  let t: TestApp;
  const tenant = asTenantId('default');
  const listed = async () => (await t.http().get('/v1/dead-letters').set({ Authorization: `Bearer ${t.adminKey}` })).body.items as { id: string; reason: string }[];

  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  /** The dead-letters stream of the app's event log (here the embedded one), decoded. */
  async function published(count: number): Promise<{ record: LogRecord; letter: DeadLetterRecord }[]> {
    const seen: LogRecord[] = [];
    const sub = await t.runtime.eventLog.subscribe(`dead-letter-reader-${count}`, 'dead-letters', async (batch) => { seen.push(...batch); },
      { batchSize: 100, onError: () => undefined });
    await waitFor(`${count} dead letters on the log`, async () => (seen.length >= count ? true : undefined));
    await sub.stop();
    return seen.map((record) => ({ record, letter: deadLetterCodec.decode(record.value) }));
  }

  describe('parking', () => {
    it('stores the letter and publishes it: a log record with its original key, headers and bytes, a job as JSON', async () => {
      const service = t.app.get(DeadLettersService);
      const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
      const recordId = await service.park(tenant, 'inbound', 'undecodable inbound record: test', { key: 'conn/1', headers: { ce_id: 'e-1' }, value: bytes.toString('base64') });
      const jobId = await service.park(tenant, 'jobs:backfill', 'backfill failed after 5 attempts: test', { tenantId: tenant, backfillId: 'b-1' });
      expect((await listed()).map((l) => l.id)).toEqual(expect.arrayContaining([recordId, jobId]));

      const [first, second] = await published(2);
      expect(first.letter).toEqual({ id: recordId, tenant, stream: 'inbound', reason: 'undecodable inbound record: test', time: expect.any(Date),
        key: 'conn/1', headers: { ce_id: 'e-1' }, value: bytes, payload: null });
      expect(first.record).toMatchObject({ key: 'conn/1', tenantId: tenant, headers: { ce_id: recordId, ce_type: 'io.tributary.deadletter' } });
      expect(second.letter).toEqual({ id: jobId, tenant, stream: 'jobs:backfill', reason: 'backfill failed after 5 attempts: test', time: expect.any(Date),
        key: null, headers: {}, value: null, payload: JSON.stringify({ tenantId: tenant, backfillId: 'b-1' }) });
      expect(second.record.key).toBe(jobId);
    });

    it('parks a log record once per stream position: parking it again (its batch retried) returns the first letter and publishes nothing', async () => {
      const published: string[] = [];
      const service = new DeadLettersService(t.runtime.database, async (letter) => { published.push(letter.id); });
      const record = { key: 'conn/2', headers: {}, value: Buffer.from('garbage'), offset: '1234/5' };
      const first = await service.parkRecord(tenant, 'inbound', 'undecodable inbound record: once', record);
      expect(await service.parkRecord(tenant, 'inbound', 'undecodable inbound record: once', record)).toBe(first);
      expect(published).toEqual([first]);
      expect((await listed()).filter((l) => l.reason.endsWith(': once')).map((l) => l.id)).toEqual([first]);
      // the same position in another stream is another record, and so is another record at that position (topics made anew)
      expect(await service.parkRecord(tenant, 'changes', 'undecodable change record: once', record)).not.toBe(first);
      expect(await service.parkRecord(tenant, 'inbound', 'undecodable inbound record: once', { ...record, value: Buffer.from('other') })).not.toBe(first);
    });

    it('parks nothing when publishing fails, so that the caller retries instead of losing the letter on the topic', async () => {
      const service = new DeadLettersService(t.runtime.database, async () => { throw new Error('event log unreachable'); });
      const before = await listed();
      await expect(service.park(tenant, 'inbound', 'never stored', { key: 'k', headers: {}, value: '' })).rejects.toThrow('event log unreachable');
      expect(await listed()).toEqual(before);
    });
  });

  describe('listing', () => {
    it('pages through letters parked in the same millisecond (one transaction) without skipping any', async () => {
      const repository = new DeadLettersRepository();
      const ids = await t.runtime.database.inTenant(tenant, async (tx) => [
        (await repository.park(tx, 'inbound', 'same instant: 1', {})).id,
        (await repository.park(tx, 'inbound', 'same instant: 2', {})).id,
        (await repository.park(tx, 'inbound', 'same instant: 3', {})).id]);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string; reason: string }[]; nextCursor: string | null } = (await t.http().get('/v1/dead-letters')
          .query({ limit: 1, ...(cursor ? { cursor } : {}) }).set({ Authorization: `Bearer ${t.adminKey}` }).expect(200)).body;
        seen.push(...page.items.filter((l) => l.reason.startsWith('same instant')).map((l) => l.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual([...ids].sort());
    });
  });
});
