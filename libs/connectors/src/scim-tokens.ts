import { forbidden, unauthenticated } from '@tributary/errors';
import { TenantId } from '@tributary/store';
import { ConnectorsService } from './connectors.service';
import { parseScimToken, scimMacMatches } from './okta/okta-secrets';

/** Whose a SCIM request is: the tenant and the okta connector its token belongs to. */
export interface ScimCaller {
  tenantId: TenantId;
  connectorId: string;
}

/**
 * Authenticates SCIM requests by the okta connector's SCIM token (okta-secrets.ts): the connector
 * it names, then its MAC against that connector's signing secret (constant time), then its enabled
 * flag. Every refusal before the MAC is the same 401, so a caller learns nothing about which
 * connectors exist.
 */
export class ScimTokens {
  constructor(private readonly connectors: ConnectorsService) {}

  async authenticate(authorization: string | undefined): Promise<ScimCaller> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    const parsed = token === undefined ? undefined : parseScimToken(token);
    const connector = parsed && await this.connectors.loadAny(parsed.connectorId);
    if (!parsed || !connector || connector.row.type !== 'okta' || !scimMacMatches(parsed.mac, connector.signingSecret)) {
      throw unauthenticated('invalid_scim_token', 'the SCIM bearer token is missing or is not one of an okta connector');
    }
    if (!connector.row.enabled) throw forbidden('connector_disabled', `connector ${parsed.connectorId} is disabled; enable it to accept SCIM requests`);
    return { tenantId: connector.row.tenantId, connectorId: parsed.connectorId };
  }
}
