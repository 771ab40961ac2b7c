import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ConnectorRegistry, ConnectorsService } from '@tributary/connectors';
import { Metrics } from '@tributary/observability';

/** The webhook routes, and the connector type each names (Slack's has a route of its own, answered 200). */
const HOOK_ROUTES = new Map<string, (params: { connectorType?: string }) => string | undefined>([
  ['/v1/hooks/:connectorType/:connectorId', (params) => params.connectorType],
  ['/v1/hooks/slack/:connectorId', () => 'slack'],
]);

/**
 * Counts webhook deliveries by tenant, connector type and the status they were answered with
 * (`tributary_webhooks_total`). The type is the registered one or `unknown` and the tenant is the
 * connector's (empty when there is no such connector), so a sender cannot add label values by
 * inventing paths. A body refused before routing (413) is counted only in the HTTP metrics.
 *
 * A Fastify hook, like the HTTP metrics, rather than a Nest interceptor: at 2,000 webhooks a second
 * the interceptor's observable and its async-context bindings were a twentieth of the api's CPU.
 */
@Injectable()
export class WebhookMetricsHooks implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost, private readonly metrics: Metrics, private readonly connectors: ConnectorsService,
    private readonly registry: ConnectorRegistry) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (req, reply, done) => {
      const typeOf = HOOK_ROUTES.get(req.routeOptions.url ?? '');
      if (typeOf) {
        const params = req.params as { connectorType?: string; connectorId: string };
        const type = typeOf(params);
        this.metrics.webhooks.inc({
          tenant: this.connectors.loadedTenantOf(params.connectorId) ?? '',
          type: type !== undefined && this.registry.find(type) ? type : 'unknown',
          status: String(reply.statusCode),
        });
      }
      done();
    });
  }
}
