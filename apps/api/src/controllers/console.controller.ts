import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '@tributary/auth';
import { Responds, RUNTIME, type Runtime } from '@tributary/platform';
import { ConsoleConfig } from '../http/responses';

/** What the web console needs before anyone signs in: whether, and where, single sign-on is offered. */
@ApiTags('console')
@Controller('v1/console')
export class ConsoleController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get('config')
  // read before sign-in, and holds nothing secret: the issuer and the console's public client id
  @Public()
  @Responds('the single sign-on the console offers (Authorization Code with PKCE against the OIDC issuer), or null when only API keys sign in',
    ConsoleConfig)
  config() {
    const { oidcIssuer, oidcConsoleClientId, oidcConsoleScopes } = this.runtime.config;
    return { oidc: oidcIssuer && oidcConsoleClientId ? { authority: oidcIssuer, clientId: oidcConsoleClientId, scope: oidcConsoleScopes } : null };
  }
}
