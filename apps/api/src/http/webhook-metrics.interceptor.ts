import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyRequest } from 'fastify';
import { Observable, tap } from 'rxjs';
import { ConnectorRegistry, ConnectorsService } from '@tributary/connectors';
import { DomainError } from '@tributary/errors';
import { Metrics } from '@tributary/observability';
import { STATUS } from '@tributary/platform';

/**
 * Counts webhook deliveries by tenant, connector type and the status they were answered with
 * (`tributary_webhooks_total`). The type is the registered one or `unknown` and the tenant is the
 * connector's (empty when there is no such connector), so a sender cannot add label values by
 * inventing paths. A body refused before routing (413) is counted only in the HTTP metrics.
 */
@Injectable()
export class WebhookMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: Metrics, private readonly connectors: ConnectorsService, private readonly registry: ConnectorRegistry) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const { connectorType, connectorId } = ctx.switchToHttp().getRequest<FastifyRequest<{ Params: { connectorType: string; connectorId: string } }>>().params;
    const count = (status: number) => this.metrics.webhooks.inc({
      tenant: this.connectors.loadedTenantOf(connectorId) ?? '',
      type: this.registry.find(connectorType) ? connectorType : 'unknown',
      status: String(status),
    });
    return next.handle().pipe(tap({ next: () => count(Reflect.getMetadata(HTTP_CODE_METADATA, ctx.getHandler()) ?? 201), error: (err: unknown) => count(statusOf(err)) }));
  }
}

const statusOf = (err: unknown) => (err instanceof DomainError ? STATUS[err.kind] : err instanceof HttpException ? err.getStatus() : 500);
