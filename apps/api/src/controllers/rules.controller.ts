import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type Access, CurrentAccess, RequireRole } from '@tributary/auth';
import { CreateRuleBody, PREVIEW_LIMIT, RulePreview, RulesService, UpdateRuleBody } from '@tributary/propagation';
import { RuleId } from '../http/schemas';
import { ParseBody, ParseParam } from '../http/zod.pipe';
import { Responds, RespondsEmpty } from '@tributary/platform';
import { RuleList, RulePreviewed, SavedRule } from '../http/responses';

const ruleId = new ParseParam('id', RuleId);
const PreviewRuleBody = z.strictObject({ rule: CreateRuleBody });

@ApiTags('rules')
@ApiBearerAuth()
@Controller('v1/rules')
export class RulesController {
  constructor(private readonly rules: RulesService, private readonly previews: RulePreview) {}

  @Get()
  @RequireRole('steward')
  @Responds('the tenant\'s rules, built-in ones first', RuleList)
  async list(@CurrentAccess() a: Access) {
    return { items: await this.rules.list(a.tenantId) };
  }

  @Post()
  @RequireRole('steward')
  @Responds('the rule, saved and compiled; its planning is queued', SavedRule)
  create(@CurrentAccess() a: Access, @Body(new ParseBody(CreateRuleBody)) body: z.infer<typeof CreateRuleBody>) {
    return this.rules.create(a.tenantId, a.principal.actor, body);
  }

  @Post('preview')
  @HttpCode(200)
  @RequireRole('steward')
  @Responds(`what the rule would change if it were saved and enabled now (the first ${PREVIEW_LIMIT}, and how many in all); nothing is written`, RulePreviewed)
  preview(@CurrentAccess() a: Access, @Body(new ParseBody(PreviewRuleBody)) body: z.infer<typeof PreviewRuleBody>) {
    return this.previews.preview(a.tenantId, body.rule);
  }

  @Patch(':id')
  @RequireRole('steward')
  @Responds('the rule as changed; its planning is queued', SavedRule)
  update(@CurrentAccess() a: Access, @Param('id', ruleId) id: string, @Body(new ParseBody(UpdateRuleBody)) body: z.infer<typeof UpdateRuleBody>) {
    return this.rules.update(a.tenantId, a.principal.actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('steward')
  @RespondsEmpty('deleted, and what it propagated is retracted')
  async remove(@CurrentAccess() a: Access, @Param('id', ruleId) id: string) {
    await this.rules.remove(a.tenantId, a.principal.actor, id);
  }
}
