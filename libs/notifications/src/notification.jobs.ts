import { TenantId } from '@tributary/store';

/** One incident's delivery to one destination: brings what the destination shows up to the incident's newest change. */
export const DELIVER_QUEUE = 'notifications.deliver';
/** A digest rule's pending deliveries to one destination, sent together as one summary. */
export const DIGEST_QUEUE = 'notifications.digest';

export interface DeliverJob {
  tenantId: TenantId;
  deliveryId: string;
}

export interface DigestJob {
  tenantId: TenantId;
  ruleId: string;
  connectorId: string;
}
