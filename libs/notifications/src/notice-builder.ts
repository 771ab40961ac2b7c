import { IncidentNotice, OWNER_LOSS_ASSETS_LISTED, OwnerLossNotice } from '@tributary/connectors';
import type { OwnerLossPlan } from './owner-loss.planner';
import { AnalyticsFactsRepository, IncidentsRepository, LineageRepository, TenantTx } from '@tributary/store';

/** How far downstream a notice counts the assets an incident reaches: the impact endpoints' default depth, as the incident facts count it. */
export const NOTICE_DEPTH = 5;
/** The downstream owners a notice names, most assets first. */
const OWNERS_SHOWN = 10;

/**
 * The incident as a message shows it, read from the store when the message is sent (not from the
 * change that queued it): a delivery late or retried shows the incident as it is, and two changes
 * queued together show once.
 */
export class NoticeBuilder {
  constructor(
    /** the API's public URL: assets link to `${publicUrl}/v1/assets/{qualifiedName}` */
    private readonly publicUrl: string,
    private readonly incidents = new IncidentsRepository(),
    private readonly facts = new AnalyticsFactsRepository(),
    private readonly lineage = new LineageRepository(),
  ) {}

  /** The notice of an incident, `change` being what the destination last showed of it; undefined when the incident is gone. */
  async build(tx: TenantTx, incidentId: string, shown: { status: 'open' | 'resolved' | null }): Promise<IncidentNotice | undefined> {
    const row = await this.incidents.get(tx, incidentId);
    if (!row) return undefined;
    const [reach] = await this.facts.incidentsWithReach(tx, [incidentId], NOTICE_DEPTH);
    const assets = await this.facts.assetsByNames(tx, reach.assets);
    const roots = (await this.incidents.tablesOf(tx, [incidentId])).filter((t) => t.assetLive && t.assetId !== null).map((t) => t.assetId!);
    const owners = await this.lineage.downstreamOwners(tx, [...new Set(roots)], NOTICE_DEPTH, OWNERS_SHOWN);
    return {
      incidentId, change: changeOf(shown.status, row.status), title: row.title ?? `${row.type} incident`, severity: row.severity,
      status: row.status, rawStatus: row.rawStatus, type: row.type, source: row.source, sourceUrl: row.url, owner: row.owner,
      assets: assets.filter((a) => !a.deleted).map((a) => ({ qualifiedName: a.qualifiedName, url: this.assetUrl(a.qualifiedName), owner: a.owner })),
      downstream: { count: reach.downstreamAssets, owners },
      changedAt: row.updatedAt,
    };
  }

  /** An owner-loss delivery's notice, from what was planned: the first assets by name, linked, and how many more. */
  ownerLoss(lossId: string, plan: OwnerLossPlan): OwnerLossNotice {
    const listed = plan.assets.slice(0, OWNER_LOSS_ASSETS_LISTED);
    return {
      lossId, kind: plan.kind, who: plan.who, owners: plan.owners, reason: plan.reason, at: new Date(plan.at),
      assets: listed.map((a) => ({ ...a, url: this.assetUrl(a.qualifiedName) })), more: plan.assets.length - listed.length,
    };
  }

  private assetUrl(qualifiedName: string): string {
    return `${this.publicUrl.replace(/\/$/, '')}/v1/assets/${encodeURIComponent(qualifiedName)}`;
  }
}

/** What the destination is told, against what it showed last: the first notice opens, a status change resolves or reopens. */
function changeOf(shown: 'open' | 'resolved' | null, now: 'open' | 'resolved'): IncidentNotice['change'] {
  if (shown === null) return now === 'resolved' ? 'resolved' : 'opened';
  if (shown !== now) return now === 'resolved' ? 'resolved' : 'reopened';
  return 'updated';
}
