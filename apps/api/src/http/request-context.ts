import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Access } from '@tributary/auth';
import { ReadContext, WriteContext } from '@tributary/catalog';
import { traceparentFor } from '@tributary/observability';

const accessOf = (ctx: ExecutionContext): Access => {
  const access = ctx.switchToHttp().getRequest().access as Access | undefined;
  if (!access) throw new Error('a tenant route ran without AccessGuard');
  return access;
};

/** The tenant, actor, origin and trace of a write made through the API. */
export const Writer = createParamDecorator((_: unknown, ctx: ExecutionContext): WriteContext => {
  const access = accessOf(ctx);
  const header = ctx.switchToHttp().getRequest().headers.traceparent as string | undefined;
  return { tenantId: access.tenantId, actor: access.principal.actor, origin: 'api', traceparent: traceparentFor(header) };
});

/** The tenant of a read. */
export const Reader = createParamDecorator((_: unknown, ctx: ExecutionContext): ReadContext => ({ tenantId: accessOf(ctx).tenantId }));
