import { invalid } from '@tributary/errors';
import { ConnectorPlugin } from './connector-plugin';
import { SourceConnector } from './source-connector';
import { TargetConnector } from './target-connector';

/**
 * The connectors this platform knows, sources and targets alike. A new one is one `register` call;
 * the platform refuses to start with two connectors of one type.
 */
export class ConnectorRegistry {
  private readonly byType = new Map<string, ConnectorPlugin>();

  register<C>(connector: SourceConnector<C> | TargetConnector<C>): this {
    if (this.byType.has(connector.type)) throw new Error(`two connectors registered for type "${connector.type}"`);
    this.byType.set(connector.type, connector as ConnectorPlugin);
    return this;
  }

  find(type: string): ConnectorPlugin | undefined {
    return this.byType.get(type);
  }

  get(type: string): ConnectorPlugin {
    const c = this.byType.get(type);
    if (!c) {
      throw invalid('unknown_connector_type', `no connector of type ${JSON.stringify(type)}; known types: ${this.types().join(', ')}`,
        { known: this.types() });
    }
    return c;
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }
}
