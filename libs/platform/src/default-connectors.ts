import { atlanConnector, atlasConnector, ConnectorRegistry, freshdeskTarget, jiraTarget, montecarloConnector, oktaConnector, openlineageConnector, slackTarget, teamsTarget } from '@tributary/connectors';

/** The sources and targets this build of the platform knows. A new one is one more `register`. */
export function defaultConnectors(): ConnectorRegistry {
  return new ConnectorRegistry()
    .register(montecarloConnector)
    .register(oktaConnector)
    .register(openlineageConnector)
    .register(atlasConnector)
    .register(atlanConnector)
    .register(slackTarget)
    .register(teamsTarget)
    .register(jiraTarget)
    .register(freshdeskTarget);
}
