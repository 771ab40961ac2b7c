import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Access, CurrentAccess, RequireRole } from '@tributary/auth';
import { ConnectorsService } from '@tributary/connectors';
import { ConnectorId } from '../http/schemas';
import { ParseBody, ParseParam } from '../http/zod.pipe';
import { Responds, RespondsEmpty } from '@tributary/platform';
import { ConnectorList, ConnectorTestResult, ConnectorView, CreatedConnector, UpdatedConnector } from '../http/responses';

const CreateConnector = z.strictObject({
  type: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  config: z.record(z.string(), z.unknown()),
});
const UpdateConnector = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  enabled: z.boolean().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  rotateSigningSecret: z.boolean().optional(),
});
const connectorId = new ParseParam('id', ConnectorId);

@ApiTags('connectors')
@ApiBearerAuth()
@Controller('v1/connectors')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorsService) {}

  @Post()
  @RequireRole('admin')
  @Responds('the connector, its webhook URL and its signing secret (shown only here)', CreatedConnector)
  create(@CurrentAccess() a: Access, @Body(new ParseBody(CreateConnector)) body: z.infer<typeof CreateConnector>) {
    return this.connectors.create(a.tenantId, a.principal.actor, body);
  }

  @Get()
  @RequireRole('admin')
  @Responds('the tenant\'s connectors, without their secrets', ConnectorList)
  async list(@CurrentAccess() a: Access) {
    return { items: await this.connectors.list(a.tenantId) };
  }

  @Get(':id')
  @RequireRole('admin')
  @Responds('the connector, without its secrets', ConnectorView)
  get(@CurrentAccess() a: Access, @Param('id', connectorId) id: string) {
    return this.connectors.get(a.tenantId, id);
  }

  @Patch(':id')
  @RequireRole('admin')
  @Responds('the connector as changed', UpdatedConnector)
  update(@CurrentAccess() a: Access, @Param('id', connectorId) id: string, @Body(new ParseBody(UpdateConnector)) body: z.infer<typeof UpdateConnector>) {
    return this.connectors.update(a.tenantId, a.principal.actor, id, body);
  }

  @Post(':id/test')
  @HttpCode(200)
  @RequireRole('admin')
  @Responds('a target sent a test message or ticket, a source read its API once: the remote system\'s verdict', ConnectorTestResult)
  test(@CurrentAccess() a: Access, @Param('id', connectorId) id: string) {
    return this.connectors.test(a.tenantId, a.principal.actor, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('admin')
  @RespondsEmpty('deleted: its webhooks are refused from now on')
  async remove(@CurrentAccess() a: Access, @Param('id', connectorId) id: string) {
    await this.connectors.remove(a.tenantId, a.principal.actor, id);
  }
}
