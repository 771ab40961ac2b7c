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

export const RuleAction = z.discriminatedUnion('type', [PropagateClassification, PropagateIncidents, PropagateAttribute]);
export type RuleAction = z.infer<typeof RuleAction>;

export const CHANGE_TYPES = [
  'asset.created', 'asset.updated', 'asset.deleted', 'asset.classification.added', 'asset.classification.removed',
  'lineage.edge.added', 'lineage.edge.removed', 'incident.opened', 'incident.updated', 'incident.resolved', 'asset.health.changed',
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
