import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { ClassificationsService, type WriteContext } from '@tributary/catalog';
import { Writer } from '../http/request-context';
import { AddClassificationBody, ClassificationName, QualifiedName } from '../http/schemas';
import { ParseBody, ParseParam } from '../http/zod.pipe';
import { Responds } from '@tributary/platform';
import { Version } from '../http/responses';

@ApiTags('classifications')
@ApiBearerAuth()
@Controller('v1/assets/:qualifiedName/classifications')
export class ClassificationsController {
  constructor(private readonly classifications: ClassificationsService) {}

  @Post()
  @HttpCode(200)
  @RequireRole('steward')
  @Responds('the tag is set; with propagate, rules carry it downstream in the background', Version)
  add(@Writer() ctx: WriteContext, @Param('qualifiedName', new ParseParam('qualifiedName', QualifiedName)) qn: string,
    @Body(new ParseBody(AddClassificationBody)) body: z.infer<typeof AddClassificationBody>) {
    return this.classifications.add(ctx, qn, body.name, body.propagate);
  }

  @Delete(':name')
  @RequireRole('steward')
  @Responds('the tag is removed, and what it propagated is retracted in the background', Version)
  remove(@Writer() ctx: WriteContext, @Param('qualifiedName', new ParseParam('qualifiedName', QualifiedName)) qn: string,
    @Param('name', new ParseParam('name', ClassificationName)) name: string) {
    return this.classifications.remove(ctx, qn, name);
  }
}
