import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { AssetsService, type ReadContext, type WriteContext } from '@tributary/catalog';
import { Reader, Writer } from '../http/request-context';
import { AssetListQuery, AssetQuery, QualifiedName, UpsertAssetsBody } from '../http/schemas';
import { ParseBody, ParseParam, ParseQuery } from '../http/zod.pipe';

const qualifiedName = new ParseParam('qualifiedName', QualifiedName);

@ApiTags('assets')
@ApiBearerAuth()
@Controller('v1/assets')
export class AssetsController {
  constructor(private readonly assets: AssetsService) {}

  @Put()
  @HttpCode(200)
  @RequireRole('steward', 'ingest')
  async upsert(@Writer() ctx: WriteContext, @Body(new ParseBody(UpsertAssetsBody)) body: z.infer<typeof UpsertAssetsBody>) {
    return { results: await this.assets.upsert(ctx, body.assets) };
  }

  @Get()
  @RequireRole('viewer')
  list(@Reader() ctx: ReadContext, @Query(new ParseQuery(AssetListQuery)) query: z.infer<typeof AssetListQuery>) {
    return this.assets.list(ctx, query);
  }

  @Get(':qualifiedName')
  @RequireRole('viewer')
  get(@Reader() ctx: ReadContext, @Param('qualifiedName', qualifiedName) qn: string,
    @Query(new ParseQuery(AssetQuery)) query: z.infer<typeof AssetQuery>) {
    return this.assets.get(ctx, qn, query);
  }

  @Get(':qualifiedName/health')
  @RequireRole('viewer')
  async health(@Reader() ctx: ReadContext, @Param('qualifiedName', qualifiedName) qn: string) {
    return (await this.assets.get(ctx, qn)).health;
  }

  @Delete(':qualifiedName')
  @RequireRole('steward')
  remove(@Writer() ctx: WriteContext, @Param('qualifiedName', qualifiedName) qn: string) {
    return this.assets.delete(ctx, qn);
  }
}
