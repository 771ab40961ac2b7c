import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireRole } from '@tributary/auth';
import { DirectoryService, type ReadContext } from '@tributary/catalog';
import { Responds } from '@tributary/platform';
import { Reader } from '../http/request-context';
import { GroupMembersPage, PersonPage } from '../http/responses';
import { GroupId } from '../http/schemas';
import { ParseParam, ParseQuery } from '../http/zod.pipe';

const Paging = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(2048).optional().describe('`nextCursor` of the previous page'),
};
const PeopleQuery = z.strictObject({
  q: z.string().trim().min(1).max(256).optional().describe('text in the login, the email or the display name (case-insensitive)'),
  ...Paging,
});
const MembersQuery = z.strictObject(Paging);

/** The tenant's directory of people and groups (Okta: event hooks, SCIM, backfills), read-only. */
@ApiTags('directory')
@ApiBearerAuth()
@Controller('v1')
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Get('people')
  @RequireRole('viewer')
  @Responds('a page of the directory\'s people by login; deactivated ones included (`active: false`), removed ones not', PersonPage)
  people(@Reader() ctx: ReadContext, @Query(new ParseQuery(PeopleQuery)) q: z.infer<typeof PeopleQuery>) {
    return this.directory.searchPeople(ctx, q);
  }

  @Get('groups/:id/members')
  @RequireRole('viewer')
  @Responds('the group and a page of its members by login', GroupMembersPage)
  members(@Reader() ctx: ReadContext, @Param('id', new ParseParam('id', GroupId)) id: string,
    @Query(new ParseQuery(MembersQuery)) q: z.infer<typeof MembersQuery>) {
    return this.directory.members(ctx, id, q);
  }
}
