import {
  Body, CanActivate, Controller, createParamDecorator, Delete, ExecutionContext, Get, Header, HttpCode, Injectable, Param, Patch, Post, Put, Query,
  UseFilters, UseGuards,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Public } from '@tributary/auth';
import { DirectoryService, type WriteContext } from '@tributary/catalog';
import { ScimCaller, ScimTokens } from '@tributary/connectors';
import { traceparentFor } from '@tributary/observability';
import { Responds, RespondsEmpty } from '@tributary/platform';
import {
  equalityFilter, patchGroup, patchUser, personFields, SCIM_CONTENT_TYPE, ScimGroupBody, ScimListQuery, ScimPatchBody, ScimResource,
  scimGroup, scimList, scimUser, ScimUserBody,
} from '../http/scim-resources';
import { ScimErrorFilter } from '../http/scim-error.filter';
import type { ScimGroupBody as GroupBody, ScimPatchBody as PatchBody, ScimUserBody as UserBody } from '../http/scim-resources';
import { ParseBody, ParseQuery } from '../http/zod.pipe';

/** Authenticates a SCIM request by its okta connector's SCIM token (ScimTokens); the caller rides on the request. */
@Injectable()
export class ScimGuard implements CanActivate {
  constructor(private readonly tokens: ScimTokens) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest();
    req.scim = await this.tokens.authenticate(req.headers.authorization as string | undefined);
    return true;
  }
}

/** The tenant and actor of a SCIM request: the connector whose token it carries. */
const Scim = createParamDecorator((_: unknown, ctx: ExecutionContext): WriteContext => {
  const req = ctx.switchToHttp().getRequest();
  const caller = req.scim as ScimCaller | undefined;
  if (!caller) throw new Error('a SCIM route ran without ScimGuard');
  return { tenantId: caller.tenantId, actor: `scim:${caller.connectorId}`, origin: `scim:${caller.connectorId}`,
    traceparent: traceparentFor(req.headers.traceparent as string | undefined) };
});

/** SCIM's ids are ours (UUIDs); another string is simply not found (404), as SCIM expects, rather than a 400. */
type ListQuery = z.infer<typeof ScimListQuery>;

/**
 * SCIM 2.0 provisioning (Okta → the tenant's directory), authenticated by the okta connector's
 * SCIM token instead of the API's credentials (hence @Public to the access guard, and ScimGuard);
 * errors in SCIM's format. Writes are synchronous: the answer is the resource as stored.
 */
@ApiTags('scim')
@Controller('scim/v2')
@Public()
@UseGuards(ScimGuard)
@UseFilters(ScimErrorFilter)
export class ScimController {
  constructor(private readonly directory: DirectoryService) {}

  @Get('Users')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('a ListResponse of users; `filter` may be `userName eq "…"`, paged by `startIndex` (1-based) and `count`', ScimResource)
  async listUsers(@Scim() ctx: WriteContext, @Query(new ParseQuery(ScimListQuery)) q: ListQuery) {
    const login = equalityFilter(q.filter, 'userName');
    const { total, rows } = await this.directory.listPeople(ctx, { login, startIndex: q.startIndex, count: q.count });
    return scimList(rows.map(scimUser), total, q.startIndex);
  }

  @Post('Users')
  @HttpCode(201)
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('the user created; 409 `uniqueness` when the userName is taken', ScimResource)
  async createUser(@Scim() ctx: WriteContext, @Body(new ParseBody(ScimUserBody)) body: UserBody) {
    const { oktaId: _none, ...fields } = personFields(body);
    return scimUser(await this.directory.createPerson(ctx, fields));
  }

  @Get('Users/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('the user', ScimResource)
  async getUser(@Scim() ctx: WriteContext, @Param('id') id: string) {
    return scimUser(await this.directory.person(ctx, id));
  }

  @Put('Users/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('the user, replaced', ScimResource)
  async replaceUser(@Scim() ctx: WriteContext, @Param('id') id: string, @Body(new ParseBody(ScimUserBody)) body: UserBody) {
    return scimUser(await this.directory.updatePerson(ctx, id, (current) => personFields(body, current)));
  }

  @Patch('Users/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('the user, patched (e.g. `{"op":"replace","value":{"active":false}}` deactivates)', ScimResource)
  async patchUser(@Scim() ctx: WriteContext, @Param('id') id: string, @Body(new ParseBody(ScimPatchBody)) body: PatchBody) {
    return scimUser(await this.directory.updatePerson(ctx, id, (current) => personFields(patchUser(current, body), current)));
  }

  @Delete('Users/:id')
  @HttpCode(204)
  @RespondsEmpty('removed from the directory (Okta deactivates rather than deletes; other clients delete)')
  async deleteUser(@Scim() ctx: WriteContext, @Param('id') id: string): Promise<void> {
    await this.directory.deletePerson(ctx, id);
  }

  @Get('Groups')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('a ListResponse of groups with their members; `filter` may be `displayName eq "…"`', ScimResource)
  async listGroups(@Scim() ctx: WriteContext, @Query(new ParseQuery(ScimListQuery)) q: ListQuery) {
    const name = equalityFilter(q.filter, 'displayName');
    const { total, rows } = await this.directory.listGroups(ctx, { name, startIndex: q.startIndex, count: q.count });
    return scimList(rows.map(scimGroup), total, q.startIndex);
  }

  @Post('Groups')
  @HttpCode(201)
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('the group created; 409 `uniqueness` when the displayName is taken', ScimResource)
  async createGroup(@Scim() ctx: WriteContext, @Body(new ParseBody(ScimGroupBody)) body: GroupBody) {
    return scimGroup(await this.directory.createGroup(ctx, { name: body.displayName, externalId: body.externalId ?? null },
      (body.members ?? []).map((m) => m.value)));
  }

  @Get('Groups/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('the group with its members', ScimResource)
  async getGroup(@Scim() ctx: WriteContext, @Param('id') id: string) {
    return scimGroup(await this.directory.group(ctx, id));
  }

  @Put('Groups/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('the group, replaced (its members are the ones given)', ScimResource)
  async replaceGroup(@Scim() ctx: WriteContext, @Param('id') id: string, @Body(new ParseBody(ScimGroupBody)) body: GroupBody) {
    return scimGroup(await this.directory.updateGroup(ctx, id, (current) => ({
      fields: { name: body.displayName, externalId: body.externalId ?? current.externalId },
      members: { set: (body.members ?? []).map((m) => m.value) },
    })));
  }

  @Patch('Groups/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @Responds('the group, patched: `members` add/remove (also `members[value eq "id"]`), `displayName` replace', ScimResource)
  async patchGroup(@Scim() ctx: WriteContext, @Param('id') id: string, @Body(new ParseBody(ScimPatchBody)) body: PatchBody) {
    return scimGroup(await this.directory.updateGroup(ctx, id, (current) => {
      const { name, externalId, members } = patchGroup(current, body);
      return { fields: { name, externalId }, members };
    }));
  }

  @Delete('Groups/:id')
  @HttpCode(204)
  @RespondsEmpty('removed, with its memberships; assets it owned raise `asset.owner.deactivated`')
  async deleteGroup(@Scim() ctx: WriteContext, @Param('id') id: string): Promise<void> {
    await this.directory.deleteGroup(ctx, id);
  }
}
