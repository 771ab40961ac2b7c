import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import type { WriteContext } from '@tributary/catalog';
import { OpenLineageReceiver } from '@tributary/connectors';
import { ReadsBody, Responds } from '@tributary/platform';
import { Writer } from '../http/request-context';
import { Accepted, OpenLineageBatchAnswer } from '../http/responses';

/** What the OpenAPI description shows of an event; the receiver checks the whole OpenLineage schema, naming the failing path. */
const OpenLineageEventDoc = z.looseObject({
  eventTime: z.string().describe('RFC 3339'),
  producer: z.string().describe('URI of the producer'),
  schemaURL: z.string().describe('e.g. https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent'),
  eventType: z.enum(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']).optional(),
  run: z.looseObject({ runId: z.string() }).optional().describe('a RunEvent\'s run'),
  job: z.looseObject({ namespace: z.string(), name: z.string() }).optional().describe('a RunEvent\'s or JobEvent\'s job'),
  dataset: z.looseObject({ namespace: z.string(), name: z.string() }).optional().describe('a DatasetEvent\'s dataset'),
  inputs: z.array(z.looseObject({ namespace: z.string(), name: z.string() })).optional(),
  outputs: z.array(z.looseObject({ namespace: z.string(), name: z.string() })).optional(),
});

/**
 * OpenLineage's HTTP API, at the path the OpenLineage clients' HTTP transport posts to by default
 * (`{url}/api/v1/lineage`), authenticated with a Tributary API key as Bearer (`api_key` in the
 * transport's settings). The events go to the tenant's openlineage connector (OpenLineageReceiver).
 */
@ApiTags('lineage')
@ApiBearerAuth()
@Controller('api/v1/lineage')
export class OpenLineageController {
  constructor(private readonly receiver: OpenLineageReceiver) {}

  @Post()
  @HttpCode(200)
  @RequireRole('ingest')
  @ReadsBody('one OpenLineage RunEvent, JobEvent or DatasetEvent (spec 2-0-x, or a 1-0-x RunEvent)', OpenLineageEventDoc)
  @Responds('the event is durably logged; the ingestor applies it next', Accepted)
  receive(@Writer() ctx: WriteContext, @Body() body: unknown) {
    return this.receiver.receiveOne(ctx.tenantId, body ?? null, ctx.traceparent);
  }

  @Post('batch')
  @HttpCode(200)
  @RequireRole('ingest')
  @ReadsBody('a JSON array of OpenLineage events; each is checked and logged on its own', z.array(OpenLineageEventDoc))
  @Responds('the valid events are durably logged; `failed_events` names the others by index, with the failing path', OpenLineageBatchAnswer)
  receiveBatch(@Writer() ctx: WriteContext, @Body() body: unknown) {
    return this.receiver.receiveBatch(ctx.tenantId, body ?? null, ctx.traceparent);
  }
}
