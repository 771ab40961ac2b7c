import { ConnectorRegistry, freshdeskTarget, jiraTarget, montecarloConnector, oktaConnector, slackTarget, teamsTarget } from '@tributary/connectors';

/** The sources and targets this build of the platform knows. A new one is one more `register`. */
export function defaultConnectors(): ConnectorRegistry {
  return new ConnectorRegistry()
    .register(montecarloConnector)
    .register(oktaConnector)
    .register(slackTarget)
    .register(teamsTarget)
    .register(jiraTarget)
    .register(freshdeskTarget);
}
