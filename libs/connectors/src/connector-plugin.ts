import { z } from 'zod';
import type { OutboundUrlField, SourceConnector } from './source-connector';
import type { TargetConnector } from './target-connector';

/**
 * What every connector declares, source or target: its type, its config (the schema is both the
 * validation and the documentation), the config's secrets and the URLs it calls. The platform's glue
 * (ConnectorsService) needs no more than this to validate, seal and show a connector.
 */
export interface ConnectorDeclaration<C = unknown> {
  /** `source`: deliveries come in from it; `target`: notices go out to it */
  readonly kind: 'source' | 'target';
  readonly type: string;
  readonly description: string;
  readonly configSchema: z.ZodType<C>;
  /** Dotted paths of the config's secret fields: sealed at rest, never returned. */
  readonly secretPaths: readonly string[];
  /** The config's URLs the connector calls: checked against the outbound policy when saved, and on every call. */
  readonly outboundUrls?: readonly OutboundUrlField[];
}

export type ConnectorPlugin = SourceConnector<unknown> | TargetConnector<unknown>;
