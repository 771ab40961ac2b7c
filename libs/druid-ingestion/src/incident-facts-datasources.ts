import type { Placement, TenantId } from '@tributary/store';

/**
 * The pooled datasource of incident facts: every tenant not placed in a database of its own, told
 * apart by `tenant`. Named after the topic prefix (`tributary_incident_facts` by default), so that
 * deployments sharing a Druid stay apart as they do on a shared Kafka.
 */
export const pooledDatasource = (topicPrefix: string): string => `${topicPrefix}_incident_facts`;

/** A dedicated tenant's own datasource (as it has its own database and topics). */
export const dedicatedDatasource = (topicPrefix: string, tenant: TenantId | string): string => `${pooledDatasource(topicPrefix)}_${tenant}`;

/** The datasource a tenant's incident facts land in. */
export const datasourceOf = (topicPrefix: string, tenant: TenantId | string, placement: Placement): string =>
  placement === 'dedicated' ? dedicatedDatasource(topicPrefix, tenant) : pooledDatasource(topicPrefix);

/** Which topics one datasource's supervisor reads. */
export type TopicSelection = { topic: string } | { topicPattern: string };

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/**
 * The pooled datasource reads the pooled topic and every schema tenant's topic through one Kafka
 * multi-topic pattern (a Java regex, matched against whole topic names), so that a schema tenant
 * provisioned later (`npm run topics:create`) is read without a new supervisor; dedicated tenants'
 * topics are left out by a negative lookahead, their facts go to their own datasource.
 */
export function pooledTopics(prefix: string, dedicated: string[]): TopicSelection {
  const excluded = dedicated.length === 0 ? '' : `(?!(?:${[...dedicated].sort().map(escapeRegex).join('|')})\\.)`;
  return { topicPattern: `${escapeRegex(prefix)}\\.${excluded}[a-z0-9-]+\\.incident-facts\\.v1` };
}

/** A dedicated tenant's datasource reads its one topic. */
export const dedicatedTopic = (prefix: string, tenant: string): TopicSelection => ({ topic: `${prefix}.${tenant}.incident-facts.v1` });
