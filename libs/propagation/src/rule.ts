import { z } from 'zod';
import { ClassificationName, TypeName } from '@tributary/catalog';

/** How far and onto which assets a rule reaches downstream. */
const Reach = {
  /** hops downstream, 1-50 */
  maxDepth: z.number().int().min(1).max(50).default(50),
  /** only assets of these types receive (all types when absent); the walk still passes through others */
  typeNames: z.array(TypeName).min(1).max(50).optional(),
};

export const PropagateClassification = z.strictObject({
  type: z.literal('propagate_classification'),
  /** only these tags (all tags with propagate=true when absent) */
  names: z.array(ClassificationName).min(1).max(100).optional(),
  ...Reach,
});

export const PropagateIncidents = z.strictObject({
  type: z.literal('propagate_incidents'),
  ...Reach,
});

export const PropagateAttribute = z.strictObject({
  type: z.literal('propagate_attribute'),
  /** the attribute set on downstream assets (an asset's own value, if any, always wins) */
  attribute: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,127}$/, 'an attribute name is a letter then up to 127 letters, digits or _'),
  /** CEL over `source` ({qualifiedName, typeName, attributes}): is this asset a source of the value? */
  when: z.string().min(1).max(4096),
  /** CEL over `source`: the value it contributes */
  value: z.string().min(1).max(4096),
  /** `nearest`: the value of the closest source; `list`: every source's value, sorted */
  aggregate: z.enum(['nearest', 'list']).default('nearest'),
  ...Reach,
});

/**
 * Tell people: one message or ticket per incident on the target connector, kept up to date as the
 * incident changes (see @tributary/notifications). The rule's filter sees `event`, `asset` and
 * `incident`. A rule triggered by `asset.owner.deactivated` instead sends one message per owner lost,
 * listing the assets it left (its filter sees `event` and `asset`, `incident` is null; no digest,
 * no title template: the message is already one summary).
 */
export const Notify = z.strictObject({
  type: z.literal('notify'),
  /** a target connector of the tenant (slack, teams, jira, freshdesk) */
  connectorId: z.string().uuid(),
  /**
   * 0: each incident its own message, as it happens. n > 0: what arrives for the destination within
   * n seconds of the first goes as one summary, so a burst of incidents is one message, not hundreds.
   */
  digestSeconds: z.number().int().min(0).max(3600).default(0),
  template: z.strictObject({
    /** CEL over `incident` and `asset`, a string: the message's title instead of the incident's */
    title: z.string().min(1).max(4096).optional(),
  }).optional(),
});
export type Notify = z.infer<typeof Notify>;

export const PropagationAction = z.discriminatedUnion('type', [PropagateClassification, PropagateIncidents, PropagateAttribute]);
export type PropagationAction = z.infer<typeof PropagationAction>;

export const RuleAction = z.discriminatedUnion('type', [PropagateClassification, PropagateIncidents, PropagateAttribute, Notify]);
export type RuleAction = z.infer<typeof RuleAction>;

/** The change types a notify rule may trigger on: an incident's own changes (or OWNER_LOSS_TRIGGER alone). */
export const NOTIFY_TRIGGERS = ['incident.opened', 'incident.updated', 'incident.resolved'] as const;

/** The other trigger of a notify rule, never with the incident ones: one message per owner lost, listing their assets. */
export const OWNER_LOSS_TRIGGER = 'asset.owner.deactivated';

export const CHANGE_TYPES = [
  'asset.created', 'asset.updated', 'asset.deleted', 'asset.classification.added', 'asset.classification.removed',
  'lineage.edge.added', 'lineage.edge.removed', 'incident.opened', 'incident.updated', 'incident.resolved', 'asset.health.changed',
  'asset.owner.deactivated',
] as const;

export interface Rule {
  id: string;
  name: string;
  builtin: boolean;
  enabled: boolean;
  /** change-event types that make the rule look at the event's subject */
  trigger: string[];
  /** CEL over `event` (the change event); the rule acts only when it is true */
  filter: string | null;
  action: RuleAction;
  version: number;
}

/**
 * The built-in rules every tenant has, on by default. Edges added or removed and deleted assets
 * make every rule recompute what flows across them; the triggers below are what makes a rule look
 * at a source asset itself.
 */
export const BUILTIN_RULES: Omit<Rule, 'version'>[] = [
  {
    id: 'tag-propagation', name: 'Tag propagation', builtin: true, enabled: true,
    trigger: ['asset.classification.added', 'asset.classification.removed'], filter: 'event.data.source == "direct"',
    action: { type: 'propagate_classification', maxDepth: 50 },
  },
  {
    id: 'incident-propagation', name: 'Incident propagation', builtin: true, enabled: true,
    trigger: ['asset.health.changed'], filter: null,
    action: { type: 'propagate_incidents', maxDepth: 50 },
  },
  {
    id: 'deprecation-warning', name: 'Deprecation warning', builtin: true, enabled: true,
    trigger: ['asset.created', 'asset.updated'], filter: null,
    action: { type: 'propagate_attribute', attribute: 'upstreamDeprecated', aggregate: 'list', maxDepth: 50,
      when: '"certificate" in source.attributes && source.attributes.certificate == "DEPRECATED"', value: 'source.qualifiedName' },
  },
];
