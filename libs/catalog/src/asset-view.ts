import { AssetIncidentRow, AssetRow, ClassificationRow, HealthStatus, isCriticalSeverity } from '@tributary/store';
import type { OwnerResolution } from './directory.service';

/** The asset as the API shows it (API.md, "The asset view"). */
export interface AssetView {
  qualifiedName: string;
  typeName: string;
  name: string | null;
  attributes: Record<string, unknown>;
  classifications: ClassificationView[];
  health: HealthView;
  incidents: IncidentSummary[];
  /** the `owner` attribute resolved in the tenant's directory: a person (by login or email), a group (its members), or unknown; null without an owner */
  ownerResolved: OwnerResolution | null;
  version: number;
  updatedAt: string;
  /** `deleted` only when asked for with `includeDeleted=true`: a deleted asset is otherwise 404 */
  status: 'active' | 'deleted';
}

export type ClassificationView =
  | { name: string; propagate: boolean; source: 'direct' }
  | { name: string; propagate: boolean; source: 'propagated'; propagatedFrom: string; depth: number; ruleId: string };

export interface HealthView {
  status: HealthStatus;
  openIncidents: number;
  upstreamOpenIncidents: number;
  lastIncidentAt: string | null;
  sources: string[];
}

export interface IncidentSummary {
  id: string;
  source: string;
  externalId: string;
  type: string;
  severity: string | null;
  status: 'open' | 'resolved';
  title: string | null;
  url: string | null;
  startedAt: string;
  updatedAt: string;
}

export function toClassificationView(c: ClassificationRow): ClassificationView {
  return c.source === 'direct'
    ? { name: c.name, propagate: c.propagate, source: 'direct' }
    : { name: c.name, propagate: c.propagate, source: 'propagated', propagatedFrom: c.propagatedFrom ?? '', depth: c.depth ?? 0, ruleId: c.ruleId ?? '' };
}

/** Health per API.md: critical with an open SEV-1/2, warning with any other open incident here or upstream. */
export function healthView(asset: AssetRow, incidents: AssetIncidentRow[]): HealthView {
  const open = incidents.filter((i) => i.status === 'open');
  const critical = open.some((i) => isCriticalSeverity(i.severity));
  const status: HealthStatus = critical ? 'critical' : open.length > 0 || asset.upstreamOpenIncidents > 0 ? 'warning' : 'healthy';
  const last = incidents.reduce<Date | null>((m, i) => (m === null || i.startedAt > m ? i.startedAt : m), null);
  return {
    status,
    openIncidents: open.length,
    upstreamOpenIncidents: asset.upstreamOpenIncidents,
    lastIncidentAt: last ? last.toISOString() : null,
    sources: [...new Set(incidents.map((i) => i.source))].sort(),
  };
}

/** The `owner` attribute when it is one name (text): what the directory can resolve. */
export const ownerOf = (asset: AssetRow): string | null => {
  const owner = asset.attributes.owner;
  return typeof owner === 'string' && owner.trim() !== '' ? owner.trim() : null;
};

export function toAssetView(asset: AssetRow, classifications: ClassificationRow[], incidents: AssetIncidentRow[],
  owners: ReadonlyMap<string, OwnerResolution> = new Map()): AssetView {
  const owner = ownerOf(asset);
  return {
    qualifiedName: asset.qualifiedName,
    typeName: asset.typeName,
    name: asset.name,
    attributes: { ...asset.derivedAttributes, ...asset.attributes },
    classifications: classifications.map(toClassificationView),
    health: healthView(asset, incidents),
    incidents: incidents.map((i) => ({
      id: i.id, source: i.source, externalId: i.externalId, type: i.type, severity: i.severity, status: i.status,
      title: i.title, url: i.url, startedAt: i.startedAt.toISOString(), updatedAt: i.updatedAt.toISOString(),
    })),
    ownerResolved: owner === null ? null : owners.get(owner) ?? { owner, kind: 'unknown', people: [] },
    version: asset.version,
    updatedAt: asset.updatedAt.toISOString(),
    status: asset.deletedAt === null ? 'active' : 'deleted',
  };
}
