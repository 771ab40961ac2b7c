import { TenantId } from '@tributary/store';

/** One bridge connector's pending write-backs: a job writes up to a batch of them to the catalog. */
export const WRITEBACK_QUEUE = 'atlas.writeback';

/** The dead-letter stream of parked write-backs: a replay makes them pending again. */
export const WRITEBACK_STREAM = 'atlas-writeback';

/** The connector types of the bridge: their entities are written back to. */
export const BRIDGE_TYPES: readonly string[] = ['atlas', 'atlan'];

export interface WritebackJob {
  tenantId: TenantId;
  connectorId: string;
}

/** What a parked write-back's dead letter holds: enough to make it pending again. */
export interface ParkedWriteback {
  connectorId: string;
  assetId: number;
  qualifiedName: string | null;
  guid: string | null;
}
