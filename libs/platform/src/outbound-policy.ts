import { Config } from '@tributary/config';
import { OutboundPolicy, parseAllowedHosts } from '@tributary/outbound';

/** The outbound policy the configuration sets (TRIBUTARY_OUTBOUND_*). */
export const outboundPolicy = (config: Config): OutboundPolicy => ({
  urlsFrom: 'tenants',
  allowedHosts: parseAllowedHosts(config.outboundAllowedHosts),
  allowPrivate: config.outboundAllowPrivate,
  connectTimeoutMs: config.outboundConnectTimeoutMs,
  timeoutMs: config.outboundTimeoutMs,
  maxResponseBytes: config.outboundMaxResponseBytes,
});
