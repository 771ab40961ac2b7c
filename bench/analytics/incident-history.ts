import { Random } from '../support/random';

export interface HistoryShape {
  incidents: number;
  /** incidents still open at the end: the most recent ones, as open incidents are */
  open: number;
  days: number;
  seed: number;
}

export interface GeneratedIncident {
  id: string;
  type: string;
  severity: string | null;
  openedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  /** indices of the graph's assets it is on */
  assets: number[];
}

const TYPES = ['freshness', 'volume', 'schema', 'field_quality', 'custom_rule'] as const;
const SEVERITIES = ['SEV-1', 'SEV-2', 'SEV-3', 'SEV-4', null] as const;
/** Share of incidents on two tables rather than one (a job that writes both). */
const TWO_TABLES = 0.1;
/** Share of incidents someone acknowledged before resolving. */
const ACKNOWLEDGED = 0.8;
/** Mean time open of a resolved incident: six hours, exponentially distributed. */
const MEAN_OPEN_MS = 6 * 3600_000;

/**
 * A Monte Carlo-like incident history over the graph's assets: opened uniformly over the last `days`
 * days, spread uniformly over the assets; the `open` most recent still open, every other one resolved
 * (and mostly acknowledged) some hours after it opened, never after `now`.
 */
export function generateIncidentHistory(shape: HistoryShape, assetCount: number, now: Date): GeneratedIncident[] {
  const random = new Random(shape.seed);
  const span = shape.days * 86_400_000;
  const opened = Array.from({ length: shape.incidents }, () => now.getTime() - 1 - Math.floor(random.next() * span)).sort((a, b) => a - b);
  return opened.map((at, i) => {
    const open = i >= shape.incidents - shape.open;
    const openFor = Math.min(-Math.log(1 - random.next()) * MEAN_OPEN_MS, now.getTime() - at);
    const resolvedAt = open ? null : new Date(at + Math.max(1000, Math.floor(openFor)));
    const acknowledged = random.next() < ACKNOWLEDGED;
    const acknowledgedAt = acknowledged ? new Date(at + Math.floor((resolvedAt ? resolvedAt.getTime() - at : now.getTime() - at) * 0.3)) : null;
    const first = random.int(0, assetCount - 1);
    const assets = random.next() < TWO_TABLES ? [...new Set([first, random.int(0, assetCount - 1)])] : [first];
    return {
      id: uuidOf(shape.seed, i), type: random.pick(TYPES), severity: random.pick(SEVERITIES),
      openedAt: new Date(at), acknowledgedAt, resolvedAt, assets,
    };
  });
}

/** A deterministic UUID (version 4 layout) per incident, so that runs compare. */
function uuidOf(seed: number, i: number): string {
  const hex = (seed * 1_000_003 + i).toString(16).padStart(20, '0').slice(-20);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${String(i).padStart(12, '0')}`;
}
