import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { z } from 'zod';
import type { ConsoleConfig } from '../../api/src/http/responses';

export type SingleSignOn = NonNullable<z.infer<typeof ConsoleConfig>['oidc']>;

/**
 * Single sign-on against the platform's OIDC issuer (Okta or any other): Authorization Code with
 * PKCE by oidc-client-ts, the console a public client with no secret. Its state lives in session
 * storage, like the API key; the access token it brings back is the console's credential.
 */
export function userManager(sso: SingleSignOn): UserManager {
  return new UserManager({
    authority: sso.authority, client_id: sso.clientId, scope: sso.scope, response_type: 'code',
    redirect_uri: `${window.location.origin}/console/callback`,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}
