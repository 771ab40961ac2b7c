import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '@tributary/auth';
import { HooksService } from '@tributary/connectors';
import { traceparentFor } from '@tributary/observability';
import { ConnectorId, ConnectorType } from '../http/schemas';
import { ParseParam } from '../http/zod.pipe';

/** Webhooks from sources. Not a credential route: each source's own signature authenticates it. */
@ApiTags('hooks')
@Controller('v1/hooks')
export class HooksController {
  constructor(private readonly hooks: HooksService) {}

  @Post(':connectorType/:connectorId')
  @HttpCode(202)
  @Public()
  async receive(@Param('connectorType', new ParseParam('connectorType', ConnectorType)) type: string,
    @Param('connectorId', new ParseParam('connectorId', ConnectorId)) id: string, @Req() req: FastifyRequest) {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { eventIds } = await this.hooks.receive(type, id, raw, req.headers, traceparentFor(req.headers.traceparent as string | undefined));
    return { eventIds };
  }
}
