import { DecodedRecord, joinParts, NotificationPart } from './atlas-notification';

/** Limits on what an assembler holds: a topic flooded with parts that never complete must not exhaust memory. */
export interface SplitAssemblerLimits {
  /** incomplete messages held at once */
  maxGroups: number;
  /** characters of base64 text held at once, over all groups */
  maxBytes: number;
}

/**
 * Atlas splits at ~1 MB of base64 (atlas-bridge.md §1.3): room for a few dozen large messages being
 * split at once. A reader keeps each part's raw record beside it (for a dead letter), about as large
 * again.
 */
export const DEFAULT_SPLIT_LIMITS: SplitAssemblerLimits = { maxGroups: 1_000, maxBytes: 32 * 1024 * 1024 };

/** What adding a part did. `origin` is the caller's note of where each part came from (its record's partition and offset, its raw value). */
export type AddResult<O> =
  /** the message is complete: its parts' join, and their origins in index order */
  | { kind: 'complete'; msgId: string; decoded: DecodedRecord; origins: O[] }
  /** held until its siblings arrive (or it was a redelivery of a part already held) */
  | { kind: 'held' }
  /** the part cannot be held: the reason (it goes to the dead letters) */
  | { kind: 'refused'; reason: string };

/** An incomplete message whose parts did not all arrive in time. */
export interface ExpiredGroup<O> {
  msgId: string;
  count: number;
  /** the 0-based indices received, ascending */
  received: number[];
  /** the received parts' origins, in index order */
  origins: O[];
  firstSeenAt: number;
}

interface Group<O> {
  count: number;
  firstSeenAt: number;
  parts: Map<number, { part: NotificationPart; origin: O }>;
}

/**
 * Reassembles split notifications (atlas-bridge.md §1.3): parts are buffered by msgId in whatever
 * order they arrive (with a null record key, Atlas's parts spread over partitions), a part that is
 * redelivered is held once, and a message is joined when all `count` parts are in. Stricter than
 * Atlas's own reader, which drops a part that arrives before part 0.
 */
export class SplitAssembler<O> {
  private readonly groups = new Map<string, Group<O>>();
  private bytes = 0;

  constructor(private readonly limits: SplitAssemblerLimits = DEFAULT_SPLIT_LIMITS) {}

  add(part: NotificationPart, origin: O, now: number): AddResult<O> {
    const group = this.groups.get(part.msgId);
    if (group && group.count !== part.count) {
      return { kind: 'refused', reason: `split part ${part.index} of message ${part.msgId} says ${part.count} parts, its earlier parts say ${group.count}` };
    }
    if (group?.parts.has(part.index)) return { kind: 'held' };
    if (!group && this.groups.size >= this.limits.maxGroups) {
      return { kind: 'refused', reason: `split buffer full: ${this.groups.size} incomplete messages held (limit ${this.limits.maxGroups}); part ${part.index}/${part.count} of message ${part.msgId} not held` };
    }
    if (this.bytes + part.text.length > this.limits.maxBytes) {
      return { kind: 'refused', reason: `split buffer full: ${this.bytes} characters held (limit ${this.limits.maxBytes}); part ${part.index}/${part.count} of message ${part.msgId} not held` };
    }
    const held = group ?? { count: part.count, firstSeenAt: now, parts: new Map() };
    held.parts.set(part.index, { part, origin });
    this.groups.set(part.msgId, held);
    this.bytes += part.text.length;
    if (held.parts.size < held.count) return { kind: 'held' };
    const ordered = this.remove(part.msgId, held);
    return { kind: 'complete', msgId: part.msgId, decoded: joinParts(ordered.map((p) => p.part)), origins: ordered.map((p) => p.origin) };
  }

  /** Removes and returns the messages first seen more than `timeoutMs` before `now`. */
  expired(now: number, timeoutMs: number): ExpiredGroup<O>[] {
    const out: ExpiredGroup<O>[] = [];
    for (const [msgId, group] of this.groups) {
      if (now - group.firstSeenAt <= timeoutMs) continue;
      const ordered = this.remove(msgId, group);
      out.push({ msgId, count: group.count, received: ordered.map((p) => p.part.index), origins: ordered.map((p) => p.origin), firstSeenAt: group.firstSeenAt });
    }
    return out;
  }

  /** The origins of every part held: what must not be committed past until its message completes or expires. */
  heldOrigins(): O[] {
    return [...this.groups.values()].flatMap((g) => [...g.parts.values()].map((p) => p.origin));
  }

  get size(): { groups: number; bytes: number } {
    return { groups: this.groups.size, bytes: this.bytes };
  }

  private remove(msgId: string, group: Group<O>) {
    this.groups.delete(msgId);
    const ordered = [...group.parts.values()].sort((a, b) => a.part.index - b.part.index);
    this.bytes -= ordered.reduce((n, p) => n + p.part.text.length, 0);
    return ordered;
  }
}
