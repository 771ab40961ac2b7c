import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { AssetsService, type ReadContext, type WriteContext } from '@tributary/catalog';
import { Reader, Writer } from '../http/request-context';
import { AssetListQuery, AssetQuery, QualifiedName, UpsertAssetsBody } from '../http/schemas';
import { ParseBody, ParseParam, ParseQuery } from '../http/zod.pipe';
import { Responds } from '@tributary/platform';
import { AssetPage, AssetView, HealthView, UpsertAnswer, Version } from '../http/responses';

const qualifiedName = new ParseParam('qualifiedName', QualifiedName);

@ApiTags('assets')
@ApiBearerAuth()
@Controller('v1/assets')
export class AssetsController {
  constructor(private readonly assets: AssetsService) {}

  @Put()
  @HttpCode(200)
  @Responds('each asset\'s new version, and whether it was created', UpsertAnswer)
  @RequireRole('steward', 'ingest')
  async upsert(@Writer() ctx: WriteContext, @Body(new ParseBody(UpsertAssetsBody)) body: z.infer<typeof UpsertAssetsBody>) {
    return { results: await this.assets.upsert(ctx, body.assets) };
  }

  @Get()
  @RequireRole('viewer')
  @Responds('a page of assets, in qualified-name order', AssetPage)
  list(@Reader() ctx: ReadContext, @Query(new ParseQuery(AssetListQuery)) query: z.infer<typeof AssetListQuery>) {
    return this.assets.list(ctx, query);
  }

  @Get(':qualifiedName')
  @RequireRole('viewer')
  @Responds('the asset view', AssetView)
  get(@Reader() ctx: ReadContext, @Param('qualifiedName', qualifiedName) qn: string,
    @Query(new ParseQuery(AssetQuery)) query: z.infer<typeof AssetQuery>) {
    return this.assets.get(ctx, qn, query);
  }

  @Get(':qualifiedName/health')
  @RequireRole('viewer')
  @Responds('the asset\'s health block', HealthView)
  async health(@Reader() ctx: ReadContext, @Param('qualifiedName', qualifiedName) qn: string) {
    return (await this.assets.get(ctx, qn)).health;
  }

  @Delete(':qualifiedName')
  @RequireRole('steward')
  @Responds('deleted; its lineage edges and what it propagated are retracted', Version)
  remove(@Writer() ctx: WriteContext, @Param('qualifiedName', qualifiedName) qn: string) {
    return this.assets.delete(ctx, qn);
  }
}
