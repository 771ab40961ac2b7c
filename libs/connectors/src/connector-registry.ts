import { invalid } from '@tributary/errors';
import { SourceConnector } from './source-connector';

/**
 * The connectors this platform knows. A new source is one `register` call; the platform refuses to
 * start with two connectors of one type.
 */
export class ConnectorRegistry {
  private readonly byType = new Map<string, SourceConnector<unknown>>();

  register<C>(connector: SourceConnector<C>): this {
    if (this.byType.has(connector.type)) throw new Error(`two connectors registered for type "${connector.type}"`);
    this.byType.set(connector.type, connector as SourceConnector<unknown>);
    return this;
  }

  find(type: string): SourceConnector<unknown> | undefined {
    return this.byType.get(type);
  }

  get(type: string): SourceConnector<unknown> {
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
