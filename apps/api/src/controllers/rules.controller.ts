import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Access, CurrentAccess, RequireRole } from '@tributary/auth';
import { CreateRuleBody, RulesService, UpdateRuleBody } from '@tributary/propagation';
import { RuleId } from '../http/schemas';
import { ParseBody, ParseParam } from '../http/zod.pipe';

const ruleId = new ParseParam('id', RuleId);

@ApiTags('rules')
@ApiBearerAuth()
@Controller('v1/rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  @RequireRole('steward')
  async list(@CurrentAccess() a: Access) {
    return { items: await this.rules.list(a.tenantId) };
  }

  @Post()
  @RequireRole('steward')
  create(@CurrentAccess() a: Access, @Body(new ParseBody(CreateRuleBody)) body: z.infer<typeof CreateRuleBody>) {
    return this.rules.create(a.tenantId, a.principal.actor, body);
  }

  @Patch(':id')
  @RequireRole('steward')
  update(@CurrentAccess() a: Access, @Param('id', ruleId) id: string, @Body(new ParseBody(UpdateRuleBody)) body: z.infer<typeof UpdateRuleBody>) {
    return this.rules.update(a.tenantId, a.principal.actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('steward')
  async remove(@CurrentAccess() a: Access, @Param('id', ruleId) id: string) {
    await this.rules.remove(a.tenantId, a.principal.actor, id);
  }
}
