import { ConnectorRegistry, montecarloConnector } from '@tributary/connectors';

/** The sources this build of the platform accepts. A new source is one more line. */
export function defaultConnectors(): ConnectorRegistry {
  return new ConnectorRegistry().register(montecarloConnector);
}
