import { gzipSync } from 'node:zlib';
import { NotificationPart } from './atlas-notification';
import { SplitAssembler } from './split-assembler';

/** An envelope as Atlas splits it (atlas-bridge.md §1.3): base64 of the GZIP of its compact JSON, cut into `count` slices. */
function splitOf(msgId: string, count: number, guid = 'g-1'): { envelope: object; parts: NotificationPart[] } {
  const envelope = { version: { version: '1.0.0', versionParts: [1] }, msgCompressionKind: 'NONE', msgSplitIdx: 1, msgSplitCount: 1,
    message: { type: 'ENTITY_NOTIFICATION_V2', operationType: 'ENTITY_CREATE', entity: { guid, typeName: 'Table', attributes: { qualifiedName: 'db.t@c' } } } };
  const text = gzipSync(Buffer.from(JSON.stringify(envelope))).toString('base64');
  const size = Math.ceil(text.length / count);
  const parts = Array.from({ length: count }, (_, index) => ({ msgId, index, count, compression: 'GZIP' as const, text: text.slice(index * size, (index + 1) * size) }));
  return { envelope, parts };
}

describe(SplitAssembler.name, () => {
  describe('reassembly', () => {
    it('joins a message whose parts arrive out of order, with the parts\' origins in index order', () => {
      const assembler = new SplitAssembler<string>();
      const { envelope, parts } = splitOf('m_1', 3);
      expect(assembler.add(parts[2]!, 'p2', 0)).toEqual({ kind: 'held' });
      expect(assembler.add(parts[0]!, 'p0', 0)).toEqual({ kind: 'held' });
      const done = assembler.add(parts[1]!, 'p1', 0);
      expect(done.kind).toBe('complete');
      if (done.kind !== 'complete') return;
      expect(done.origins).toEqual(['p0', 'p1', 'p2']);
      expect(done.decoded.kind).toBe('whole');
      if (done.decoded.kind !== 'whole') return;
      expect(done.decoded.envelope.message.entity?.guid).toBe('g-1');
      expect(JSON.parse(done.decoded.text!)).toEqual(envelope);
      expect(assembler.size).toEqual({ groups: 0, bytes: 0 });
    });

    it('keeps two messages apart by msgId', () => {
      const assembler = new SplitAssembler<string>();
      const a = splitOf('m_a', 2, 'guid-a');
      const b = splitOf('m_b', 2, 'guid-b');
      assembler.add(a.parts[0]!, 'a0', 0);
      assembler.add(b.parts[1]!, 'b1', 0);
      const doneB = assembler.add(b.parts[0]!, 'b0', 0);
      const doneA = assembler.add(a.parts[1]!, 'a1', 0);
      expect(doneA.kind === 'complete' && doneA.decoded.kind === 'whole' && doneA.decoded.envelope.message.entity?.guid).toBe('guid-a');
      expect(doneB.kind === 'complete' && doneB.decoded.kind === 'whole' && doneB.decoded.envelope.message.entity?.guid).toBe('guid-b');
    });

    it('holds a redelivered part once: the message completes with the first copy, and the bytes held count it once', () => {
      const assembler = new SplitAssembler<string>();
      const { parts } = splitOf('m_dup', 2);
      assembler.add(parts[0]!, 'first', 0);
      expect(assembler.add(parts[0]!, 'again', 0)).toEqual({ kind: 'held' });
      expect(assembler.size).toEqual({ groups: 1, bytes: parts[0]!.text.length });
      const done = assembler.add(parts[1]!, 'p1', 0);
      expect(done.kind === 'complete' && done.origins).toEqual(['first', 'p1']);
    });

    it('hands back an unreadable join (a corrupt slice) as unreadable, not as a message', () => {
      const assembler = new SplitAssembler<string>();
      const { parts } = splitOf('m_bad', 2);
      assembler.add({ ...parts[0]!, text: 'AAAA' + parts[0]!.text.slice(4) }, 'p0', 0);
      const done = assembler.add(parts[1]!, 'p1', 0);
      expect(done.kind === 'complete' && done.decoded.kind).toBe('unreadable');
    });
  });

  describe('refusals', () => {
    it('refuses a part whose count disagrees with its group\'s, and still completes the group', () => {
      const assembler = new SplitAssembler<string>();
      const { parts } = splitOf('m_c', 2);
      assembler.add(parts[0]!, 'p0', 0);
      const odd = assembler.add({ ...parts[1]!, count: 3 }, 'odd', 0);
      expect(odd).toEqual({ kind: 'refused', reason: 'split part 1 of message m_c says 3 parts, its earlier parts say 2' });
      expect(assembler.add(parts[1]!, 'p1', 0).kind).toBe('complete');
    });

    it('refuses a new message beyond the group limit, naming the limit, while the messages already held still complete', () => {
      const assembler = new SplitAssembler<string>({ maxGroups: 1, maxBytes: 1_000_000 });
      const a = splitOf('m_a', 2);
      const b = splitOf('m_b', 2);
      assembler.add(a.parts[0]!, 'a0', 0);
      const refused = assembler.add(b.parts[0]!, 'b0', 0);
      expect(refused.kind === 'refused' && refused.reason).toMatch(/^split buffer full: 1 incomplete messages held \(limit 1\); part 0\/2 of message m_b/);
      expect(assembler.add(a.parts[1]!, 'a1', 0).kind).toBe('complete');
      expect(assembler.add(b.parts[0]!, 'b0', 0)).toEqual({ kind: 'held' });
    });

    it('refuses a part that would take the text held beyond the byte limit', () => {
      const { parts } = splitOf('m_big', 2);
      const assembler = new SplitAssembler<string>({ maxGroups: 10, maxBytes: parts[0]!.text.length + 1 });
      assembler.add(parts[0]!, 'p0', 0);
      const refused = assembler.add(parts[1]!, 'p1', 0);
      expect(refused.kind === 'refused' && refused.reason).toMatch(/^split buffer full: \d+ characters held \(limit \d+\)/);
      expect(assembler.size.groups).toBe(1);
    });
  });

  describe('expiry', () => {
    it('gives back the messages older than the timeout with msgId, count, received indices and origins, and forgets them', () => {
      const assembler = new SplitAssembler<string>();
      const old = splitOf('m_old', 4);
      const fresh = splitOf('m_fresh', 2);
      assembler.add(old.parts[3]!, 'o3', 1_000);
      assembler.add(old.parts[1]!, 'o1', 1_500);
      assembler.add(fresh.parts[0]!, 'f0', 5_000);
      expect(assembler.expired(3_000, 2_000)).toEqual([]);
      const expired = assembler.expired(3_001, 2_000);
      expect(expired).toEqual([{ msgId: 'm_old', count: 4, received: [1, 3], origins: ['o1', 'o3'], firstSeenAt: 1_000 }]);
      expect(assembler.heldOrigins()).toEqual(['f0']);
      expect(assembler.size).toEqual({ groups: 1, bytes: fresh.parts[0]!.text.length });
    });

    it('starts a new group when a part of an expired message arrives later (it expires in its turn)', () => {
      const assembler = new SplitAssembler<string>();
      const { parts } = splitOf('m_late', 2);
      assembler.add(parts[0]!, 'p0', 0);
      assembler.expired(10_000, 1_000);
      expect(assembler.add(parts[1]!, 'p1', 10_000)).toEqual({ kind: 'held' });
      expect(assembler.expired(20_000, 1_000)).toMatchObject([{ msgId: 'm_late', received: [1] }]);
    });
  });
});
