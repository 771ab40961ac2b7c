import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Access, CurrentAccess, RequirePlatformAdmin } from '@tributary/auth';
import { asTenantId } from '@tributary/store';
import { TenantsService } from '@tributary/tenancy';
import { CreateTenantBody } from '../http/schemas';
import { ParseBody } from '../http/zod.pipe';
import { Responds } from '@tributary/platform';
import { CreatedTenant } from '../http/responses';

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @RequirePlatformAdmin()
  @Responds('the tenant, provisioned, with an admin key shown only here', CreatedTenant)
  create(@CurrentAccess() access: Access, @Body(new ParseBody(CreateTenantBody)) body: z.infer<typeof CreateTenantBody>) {
    return this.tenants.create(access.principal.actor, { ...body, id: asTenantId(body.id) });
  }
}
