import { AppParts, Runtime, RUNTIME } from '@tributary/platform';
import { TenantsService } from '@tributary/tenancy';
import { ApiModule } from './api.module';

/** The api process: the HTTP API, and the first-start bootstrap of the default tenant. */
export const apiApp: AppParts = {
  name: 'api',
  modules: (runtime) => [ApiModule.register(runtime.config)],
  onReady: async (app, logger) => {
    const key = await app.get(TenantsService).bootstrap(app.get<Runtime>(RUNTIME).config.bootstrapAdminKey);
    if (key) logger.log(`first start: created tenant "default" and its admin key (platform admin), shown once: ${key}`);
  },
};
