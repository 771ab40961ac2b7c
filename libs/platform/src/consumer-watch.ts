import type { Counter } from 'prom-client';

/** What the watch reads of a consumer besides the progress it reports. */
export interface ConsumerProbe {
  /**
   * Records waiting for the consumer. Without it the consumer is a loop that reports progress every
   * round, busy or idle (the change relay): then no progress at all for the stall time is a stall.
   */
  lag?: () => Promise<number>;
  /** Tenants whose records the consumer holds back (see TenantIsolation), for the readiness answer. */
  heldTenants?: () => Promise<number>;
}

export interface ConsumerState {
  group: string;
  stream: string;
  stalled: boolean;
  /** Seconds since the consumer last made progress, or since records began to wait for it if that is later. */
  stalledForSeconds: number;
  /** Seconds since the consumer last made progress. */
  progressAgeSeconds: number;
  /** Records waiting at the last look; null when not known (no lag probe, or reading it failed). */
  lag: number | null;
  heldTenants: number;
}

export interface WatchedConsumer {
  /** The consumer handled a batch of `records` (or, without a lag probe, went round its loop). */
  progress(records?: number): void;
  /** The consumer stopped: no longer watched. */
  stop(): void;
}

interface Entry {
  group: string;
  stream: string;
  probe: ConsumerProbe;
  progressAt: number;
  /** since when records have been waiting, as far as the looks saw; undefined while none wait */
  waitingSince?: number;
  lag: number | null;
  heldTenants: number;
}

/**
 * Watches the consumers of a process for stalls: a consumer is stalled when records have been
 * waiting for it (lag > 0, or a lag that cannot be read) and it has made no progress for the stall
 * time. Lags are read every quarter of the stall time (at most every 5 s), so an idle consumer that
 * receives a record is not taken for stalled because its last progress is old: the clock starts
 * when the records are first seen waiting.
 */
export class ConsumerWatch {
  private readonly consumers = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  private looking = false;
  private readonly lookEveryMs: number;

  /** `consumed` counts the records each consumer reports handled (per group and stream), for events per second per process. */
  constructor(private readonly stallMs: number, private readonly consumed?: Counter<'group' | 'stream'>) {
    this.lookEveryMs = Math.min(5000, Math.max(250, stallMs / 4));
  }

  watch(group: string, stream: string, probe: ConsumerProbe = {}): WatchedConsumer {
    const name = `${group}/${stream}`;
    if (this.consumers.has(name)) throw new Error(`consumer ${name} is watched twice`);
    const now = Date.now();
    const entry: Entry = { group, stream, probe, progressAt: now, waitingSince: probe.lag ? undefined : now, lag: null, heldTenants: 0 };
    this.consumers.set(name, entry);
    if (!this.timer) {
      this.timer = setInterval(() => void this.look(), this.lookEveryMs);
      this.timer.unref();
    }
    return {
      progress: (records = 0) => {
        entry.progressAt = Date.now();
        if (records > 0) this.consumed?.inc({ group, stream }, records);
      },
      stop: () => {
        if (this.consumers.get(name) !== entry) return;
        this.consumers.delete(name);
        if (this.consumers.size === 0) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
      },
    };
  }

  states(): ConsumerState[] {
    const now = Date.now();
    return [...this.consumers.values()].map((e) => {
      const since = e.waitingSince === undefined ? now : Math.max(e.progressAt, e.waitingSince);
      return { group: e.group, stream: e.stream, stalled: now - since > this.stallMs, stalledForSeconds: Math.floor((now - since) / 1000),
        progressAgeSeconds: Math.floor((now - e.progressAt) / 1000), lag: e.lag, heldTenants: e.heldTenants };
    });
  }

  /** Reads every lag (and held count); a reading that fails or takes longer than four looks counts as unknown. */
  private async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      await Promise.all([...this.consumers.values()].map(async (e) => {
        if (e.probe.heldTenants) e.heldTenants = (await this.read(e.probe.heldTenants)) ?? e.heldTenants;
        if (!e.probe.lag) return;
        e.lag = await this.read(e.probe.lag);
        if (e.lag === 0) e.waitingSince = undefined;
        else e.waitingSince ??= Date.now();
      }));
    } finally {
      this.looking = false;
    }
  }

  private async read(probe: () => Promise<number>): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), 4 * this.lookEveryMs); });
    try {
      return await Promise.race([probe().catch(() => null), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
