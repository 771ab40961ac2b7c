import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type Access, CurrentAccess, RequireRole, ROLES } from '@tributary/auth';
import { Responds } from '@tributary/platform';
import { SessionView } from '../http/responses';

/** What the calling credential is: a client (the console) shows only what its roles allow. */
@ApiTags('session')
@ApiBearerAuth()
@Controller('v1/session')
export class SessionController {
  @Get()
  // any role: every credential may ask what it is
  @RequireRole(...ROLES)
  @Responds('the credential\'s kind, the tenant this request acts on, the roles it holds there (as granted, not expanded) and whether it is a platform admin', SessionView)
  whoami(@CurrentAccess() access: Access) {
    return { kind: access.principal.kind, actor: access.principal.actor, tenant: access.tenantId, roles: [...access.roles],
      tenants: [...access.principal.grants.keys()].sort(), platformAdmin: access.principal.platformAdmin };
  }
}
