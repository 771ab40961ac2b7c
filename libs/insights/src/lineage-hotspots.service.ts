import type { AnalyticsStore, Hotspot } from '@tributary/analytics';
import type { ReadContext } from '@tributary/catalog';
import { requireAnalyticsStore } from './analytics-engine';

export interface HotspotsQuery {
  /** the window as asked (`30d`), echoed in the answer */
  window: string;
  windowHours: number;
  limit: number;
}

export interface LineageHotspots {
  window: string;
  /** the start of the window: incidents opened since then count in `upstreamIncidents` */
  since: string;
  items: Hotspot[];
}

/** The assets sitting downstream of the most trouble: ranked by open incidents upstream, then by incidents opened upstream in the window. */
export class LineageHotspotsService {
  constructor(private readonly store: AnalyticsStore | null, private readonly now: () => Date = () => new Date()) {}

  async hotspots(ctx: ReadContext, query: HotspotsQuery): Promise<LineageHotspots> {
    const store = requireAnalyticsStore(this.store);
    const since = new Date(this.now().getTime() - query.windowHours * 3_600_000);
    const items = await store.hotspots(ctx.tenantId, { since, limit: query.limit });
    return { window: query.window, since: since.toISOString(), items };
  }
}
