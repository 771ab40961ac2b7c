import { DEFAULT_OUTBOUND_POLICY, NodeOutboundHttp, OutboundPolicy } from '@tributary/outbound';

/**
 * The platform switch tests need for their local servers (TRIBUTARY_OUTBOUND_ALLOW_PRIVATE=true,
 * TRIBUTARY_OUTBOUND_ALLOWED_HOSTS=127.0.0.1): calls to http://127.0.0.1:<port>.
 */
export const LOCAL_OUTBOUND_CONFIG = { outboundAllowPrivate: true, outboundAllowedHosts: '127.0.0.1' } as const;

export const localOutbound = (overrides: Partial<OutboundPolicy> = {}) =>
  new NodeOutboundHttp({ ...DEFAULT_OUTBOUND_POLICY, allowPrivate: true, allowedHosts: ['127.0.0.1'], ...overrides });
