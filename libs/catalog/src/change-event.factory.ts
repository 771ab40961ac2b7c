import { NewChangeEvent } from '@tributary/store';
import { uuidv7 } from './uuid-v7';
import { WriteContext } from './write-context';

/** The event types of the change feed (API.md, "Change events"). */
export type ChangeType =
  | 'asset.created' | 'asset.updated' | 'asset.deleted'
  | 'asset.classification.added' | 'asset.classification.removed'
  | 'lineage.edge.added' | 'lineage.edge.removed'
  | 'incident.opened' | 'incident.updated' | 'incident.resolved'
  | 'asset.health.changed'
  /** an asset's owner left the directory (deactivated, suspended, removed; a group removed) */
  | 'asset.owner.deactivated';

export function changeEvent(ctx: WriteContext, type: ChangeType, subject: string, data: Record<string, unknown>): NewChangeEvent {
  return { id: uuidv7(), type, subject, time: new Date(), origin: ctx.origin, traceparent: ctx.traceparent, data };
}
