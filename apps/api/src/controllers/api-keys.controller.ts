import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Access, ApiKeyService, CurrentAccess, RequireRole } from '@tributary/auth';
import { ApiKeyId, CreateApiKeyBody } from '../http/schemas';
import { ParseBody, ParseParam } from '../http/zod.pipe';
import { Responds, RespondsEmpty } from '@tributary/platform';
import { ApiKeyList, CreatedApiKey } from '../http/responses';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @RequireRole('admin')
  @Responds('the new key; `key` is shown only here', CreatedApiKey)
  async create(@CurrentAccess() access: Access, @Body(new ParseBody(CreateApiKeyBody)) body: z.infer<typeof CreateApiKeyBody>) {
    const { key, view } = await this.keys.create(access.tenantId,
      { name: body.name, roles: body.roles, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined }, access.principal);
    return { id: view.id, key, name: view.name, roles: view.roles, expiresAt: view.expiresAt };
  }

  @Get()
  @RequireRole('admin')
  @Responds('the tenant\'s keys, without their secrets', ApiKeyList)
  async list(@CurrentAccess() access: Access) {
    return { items: await this.keys.list(access.tenantId) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('admin')
  @RespondsEmpty('revoked: the key stops working at once')
  async revoke(@CurrentAccess() access: Access, @Param('id', new ParseParam('id', ApiKeyId)) id: string) {
    await this.keys.revoke(access.tenantId, id);
  }
}
