import { AppParts, Runtime, RUNTIME } from '@tributary/platform';
import { TenantsService } from '@tributary/tenancy';
import { ApiModule } from './api.module';

/** The api process: the HTTP API, and the first-start bootstrap of the default tenant. */
export const apiApp: AppParts = {
  name: 'api',
  modules: () => [ApiModule.register()],
  console: true,
  onReady: async (app, logger) => {
    const key = await app.get(TenantsService).bootstrap(app.get<Runtime>(RUNTIME).config.bootstrapAdminKey);
    if (!key) return undefined;
    logger.log('first start: created tenant "default" and its admin key (platform admin), printed once on the terminal, never logged');
    return `First start: created tenant "default" and its admin key (also platform admin).\n`
      + `It is shown this once (only its hash is stored); keep it:\n\n    ${key}\n\n`
      + 'Send it as "Authorization: Bearer <key>".';
  },
};
