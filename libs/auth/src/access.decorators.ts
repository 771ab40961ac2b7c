import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Access } from './principal';
import { Role } from './roles';

export const REQUIRED_ROLES = 'tributary:roles';
export const PLATFORM_ADMIN = 'tributary:platform-admin';
export const PUBLIC = 'tributary:public';

/** The route needs one of these roles in the request's tenant. */
export const RequireRole = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
/** The route is for the platform's operators (creating tenants). */
export const RequirePlatformAdmin = () => SetMetadata(PLATFORM_ADMIN, true);
/** The route needs no credential (health, metrics) or checks its own (webhook signatures). */
export const Public = () => SetMetadata(PUBLIC, true);

/** The verified caller, tenant and roles of this request, set by AccessGuard. */
export const CurrentAccess = createParamDecorator((_: unknown, ctx: ExecutionContext): Access => {
  const access = ctx.switchToHttp().getRequest().access as Access | undefined;
  if (!access) throw new Error('CurrentAccess used on a route that AccessGuard did not authenticate');
  return access;
});
