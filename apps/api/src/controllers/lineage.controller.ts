import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { ColumnLineageService, LineageService, type ReadContext, type WriteContext } from '@tributary/catalog';
import { Reader, Writer } from '../http/request-context';
import { AddEdgesBody, LineageQuery, QualifiedName, RemoveEdgesBody } from '../http/schemas';
import { ParseBody, ParseParam, ParseQuery } from '../http/zod.pipe';
import { Responds } from '@tributary/platform';
import { ColumnLineage, EdgesAdded, EdgesRemoved, LineageGraph } from '../http/responses';

@ApiTags('lineage')
@ApiBearerAuth()
@Controller('v1/lineage')
export class LineageController {
  constructor(private readonly lineage: LineageService, private readonly columnLineage: ColumnLineageService) {}

  @Put()
  @HttpCode(200)
  @RequireRole('steward', 'ingest')
  @Responds('the edges are added (all or none)', EdgesAdded)
  add(@Writer() ctx: WriteContext, @Body(new ParseBody(AddEdgesBody)) body: z.infer<typeof AddEdgesBody>) {
    return this.lineage.add(ctx, body.edges);
  }

  @Delete()
  @HttpCode(200)
  @RequireRole('steward', 'ingest')
  @Responds('the edges are removed', EdgesRemoved)
  remove(@Writer() ctx: WriteContext, @Body(new ParseBody(RemoveEdgesBody)) body: z.infer<typeof RemoveEdgesBody>) {
    return this.lineage.remove(ctx, body.edges);
  }

  @Get(':qualifiedName')
  @RequireRole('viewer')
  @Responds('the assets up or downstream of the root, each at its shortest depth, and the edges among them; with `health=true` each one\'s health too', LineageGraph)
  graph(@Reader() ctx: ReadContext, @Param('qualifiedName', new ParseParam('qualifiedName', QualifiedName)) qn: string,
    @Query(new ParseQuery(LineageQuery)) query: z.infer<typeof LineageQuery>) {
    return this.lineage.graph(ctx, qn, query.direction, query.depth, { health: query.health });
  }

  @Get(':qualifiedName/columns')
  @RequireRole('viewer')
  @Responds('the asset\'s columns and, per column, the input fields it is made from (an OpenLineage columnLineage facet), with their transformations', ColumnLineage)
  columns(@Reader() ctx: ReadContext, @Param('qualifiedName', new ParseParam('qualifiedName', QualifiedName)) qn: string) {
    return this.columnLineage.columns(ctx, qn);
  }
}
