import { randomUUID } from 'node:crypto';
import { asTenantId } from '@tributary/store';
import { EventLog, LogRecord, NewRecord, Stream } from './event-log';

/**
 * What every event-log adapter must do. `start` gives a fresh, empty log; `appendLate` appends a
 * record in a transaction (or produce) that completes only when `release` is called, to prove that a
 * record committed after a newer one is still delivered.
 */
export function describeEventLogContract(adapter: string, start: () => Promise<{
  log: EventLog;
  appendLate: (stream: Stream, record: NewRecord) => Promise<{ release: () => Promise<void> }>;
  dispose: () => Promise<void>;
}>) {
  describe(`event log on ${adapter}`, () => {
    let log: EventLog;
    let appendLate: (stream: Stream, record: NewRecord) => Promise<{ release: () => Promise<void> }>;
    let dispose: () => Promise<void>;
    const tenant = asTenantId('acme');
    const record = (key: string, body: string): NewRecord => ({ tenantId: tenant, key, value: Buffer.from(body), headers: { ce_id: randomUUID() } });
    const bodies = (records: LogRecord[]) => records.map((r) => r.value.toString());

    /** Consumes until `count` records arrived (or the deadline passes), then stops. */
    async function consume(group: string, stream: Stream, count: number, opts: { failFirst?: number; batchSize?: number } = {}) {
      const seen: LogRecord[] = [];
      let failures = opts.failFirst ?? 0;
      let done!: () => void;
      const finished = new Promise<void>((r) => { done = r; });
      const sub = await log.subscribe(group, stream, async (batch) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('handler failed');
        }
        seen.push(...batch);
        if (seen.length >= count) done();
      }, { batchSize: opts.batchSize ?? 100, onError: () => undefined });
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([finished, new Promise((r) => { deadline = setTimeout(r, 20_000); })]);
      clearTimeout(deadline);
      await sub.stop();
      return seen;
    }

    beforeAll(async () => { ({ log, appendLate, dispose } = await start()); });
    afterAll(async () => { await log.close(); await dispose(); });

    it('delivers appended records, each key\'s in order, with their tenant, key and headers', async () => {
      const stream: Stream = 'inbound';
      await log.append(stream, [record('k1', 'a'), record('k2', 'b')]);
      await log.append(stream, [record('k1', 'c')]);
      const got = await consume('order', stream, 3);
      // order is promised per key (one asset's events), not across keys (Kafka partitions)
      expect(bodies(got.filter((r) => r.key === 'k1'))).toEqual(['a', 'c']);
      expect(bodies(got).sort()).toEqual(['a', 'b', 'c']);
      const first = got.find((r) => r.value.toString() === 'a')!;
      expect(first).toMatchObject({ tenantId: 'acme', key: 'k1', stream: 'inbound' });
      expect(first.headers.ce_id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('takes many appends at once (they may share a commit or a produce request): each lands once, each caller\'s key in order', async () => {
      const stream: Stream = 'inbound';
      const callers = Array.from({ length: 20 }, (_, c) => c);
      await Promise.all(callers.map(async (c) => {
        for (let n = 0; n < 5; n++) await log.append(stream, [record(`caller-${c}`, `${c}:${n}`)]);
      }));
      // the stream also holds the first test's three records
      const got = (await consume('concurrent', stream, 103)).filter((r) => r.key.startsWith('caller-'));
      expect(got).toHaveLength(100);
      for (const c of callers) expect(bodies(got.filter((r) => r.key === `caller-${c}`))).toEqual([0, 1, 2, 3, 4].map((n) => `${c}:${n}`));
    });

    it('resumes a group after its last committed batch: nothing lost, nothing twice', async () => {
      const stream: Stream = 'changes';
      await log.append(stream, [record('k', '1'), record('k', '2')]);
      expect(bodies(await consume('resume', stream, 2))).toEqual(['1', '2']);
      await log.append(stream, [record('k', '3')]);
      expect(bodies(await consume('resume', stream, 1))).toEqual(['3']);
      expect(await log.lag('resume', stream)).toBe(0);
    });

    it('gives each group the whole stream', async () => {
      const stream: Stream = 'incidents';
      await log.append(stream, [record('k', 'x'), record('k', 'y')]);
      expect(bodies(await consume('group-a', stream, 2))).toEqual(['x', 'y']);
      expect(bodies(await consume('group-b', stream, 2))).toEqual(['x', 'y']);
    });

    it('redelivers a batch whose handler failed', async () => {
      const stream: Stream = 'dead-letters';
      await log.append(stream, [record('k', 'retry-me')]);
      expect(bodies(await consume('retry', stream, 1, { failFirst: 2 }))).toEqual(['retry-me']);
    });

    it('counts what a group has not consumed yet', async () => {
      await log.append('inbound', [record('lag', 'l1'), record('lag', 'l2')]);
      expect(await log.lag('never-consumed-inbound', 'inbound')).toBeGreaterThanOrEqual(2);
    });

    it('delivers a record that committed after a newer one, without skipping it', async () => {
      const stream: Stream = 'changes';
      const group = 'late';
      await log.append(stream, [record('k', 'before')]);
      expect(bodies(await consume(group, stream, 1, {}))).toContain('before');
      const late = await appendLate(stream, record('k', 'late'));
      await log.append(stream, [record('k', 'newer')]);
      const release = late.release();
      await release;
      const got = bodies(await consume(group, stream, 2));
      expect(got.sort()).toEqual(['late', 'newer']);
    });
  });
}
