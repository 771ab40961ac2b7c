import { z } from 'zod';
import { CLOSURE_DEPTH } from '@tributary/analytics';
import { ROLES } from '@tributary/auth';
import { RuleAction } from '@tributary/propagation';

/**
 * Answer shapes of the public API (API.md). Each handler declares its answer with `@Responds(…)`:
 * the compiler checks that it returns exactly this type, and the OpenAPI document shows this schema.
 * Objects are strict, so a field the code adds without adding it here fails to compile.
 */

const Time = z.iso.datetime({ offset: true });
const page = <T extends z.ZodType>(item: T) => z.strictObject({
  items: z.array(item),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null after the last page'),
});

export const Version = z.strictObject({ version: z.number().int().describe('the asset\'s version after the change') });

export const UpsertAnswer = z.strictObject({
  results: z.array(z.strictObject({ qualifiedName: z.string(), version: z.number().int(), created: z.boolean() })),
});

export const HealthView = z.strictObject({
  status: z.enum(['healthy', 'warning', 'critical']).describe('critical: an open SEV-1/SEV-2 incident; warning: another open incident here or upstream'),
  openIncidents: z.number().int(),
  upstreamOpenIncidents: z.number().int(),
  lastIncidentAt: Time.nullable(),
  sources: z.array(z.string()),
});

const ClassificationView = z.discriminatedUnion('source', [
  z.strictObject({ name: z.string(), propagate: z.boolean(), source: z.literal('direct') }),
  z.strictObject({ name: z.string(), propagate: z.boolean(), source: z.literal('propagated'),
    propagatedFrom: z.string().describe('the asset the tag was set on'), depth: z.number().int().describe('hops from that asset'), ruleId: z.string() }),
]);

const IncidentSummary = z.strictObject({
  id: z.string(), source: z.string(), externalId: z.string(), type: z.string(), severity: z.string().nullable(),
  status: z.enum(['open', 'resolved']), title: z.string().nullable(), url: z.string().nullable(), startedAt: Time, updatedAt: Time,
});

export const PersonView = z.strictObject({
  id: z.string().describe('the person\'s id in Tributary (also their SCIM id)'),
  login: z.string(), email: z.string().nullable(), displayName: z.string().nullable(),
  active: z.boolean().describe('false when deactivated, suspended or staged'),
  status: z.enum(['active', 'staged', 'suspended', 'deactivated', 'deleted']),
  oktaId: z.string().nullable().describe('Okta\'s user id, when Okta\'s events or API named the person'),
  externalId: z.string().nullable().describe('the SCIM client\'s externalId'),
});
export const PersonPage = page(PersonView);
export const GroupMembersPage = page(PersonView).extend({ group: z.strictObject({ id: z.string(), name: z.string() }) });
export const OwnerResolution = z.strictObject({
  owner: z.string().describe('the `owner` attribute'),
  kind: z.enum(['person', 'group', 'unknown']).describe('a person by login or email, a group by name, or nothing in the directory'),
  people: z.array(PersonView).describe('the person, or the group\'s members'),
});

export const AssetView = z.strictObject({
  qualifiedName: z.string(),
  typeName: z.string(),
  name: z.string().nullable(),
  attributes: z.record(z.string(), z.unknown()).describe('its own attributes, over those rules propagated to it'),
  classifications: z.array(ClassificationView),
  health: HealthView,
  incidents: z.array(IncidentSummary),
  ownerResolved: OwnerResolution.nullable().describe('the `owner` attribute resolved in the tenant\'s directory; null without an owner'),
  version: z.number().int(),
  updatedAt: Time,
  status: z.enum(['active', 'deleted']).describe('`deleted` only with `?includeDeleted=true`: the last state of a deleted asset'),
});
export const AssetPage = page(AssetView);

export const EdgesAdded = z.strictObject({ added: z.number().int(), existing: z.number().int().describe('edges that were already there') });
export const EdgesRemoved = z.strictObject({ removed: z.number().int(), missing: z.number().int().describe('edges that were not there') });
export const LineageGraph = z.strictObject({
  root: z.string(),
  rootHealth: HealthView.shape.status.optional().describe('with `health=true` only'),
  nodes: z.array(z.strictObject({ qualifiedName: z.string(), typeName: z.string(), depth: z.number().int().describe('shortest distance from the root'),
    health: HealthView.shape.status.optional().describe('with `health=true` only') })),
  edges: z.array(z.strictObject({ from: z.string(), to: z.string() })),
});

export const ChangeItem = z.strictObject({
  sequence: z.number().int(), id: z.string(), type: z.string(), subject: z.string().describe('the qualified name'), time: Time,
  origin: z.string().describe('`api`, `ingest:<connector>` or `rule:<ruleId>`'), traceparent: z.string().nullable(), tenant: z.string(),
  data: z.record(z.string(), z.unknown()).describe('the changed fields before and after'),
});

export const ChangePage = z.strictObject({
  items: z.array(ChangeItem),
  next: z.number().int().describe('pass as `after` for the following page'),
});

const Roles = z.array(z.enum(ROLES));
export const CreatedApiKey = z.strictObject({
  id: z.string(), key: z.string().describe('the key itself: shown only in this answer'), name: z.string(), roles: Roles, expiresAt: Time.nullable(),
});
export const ApiKeyList = z.strictObject({
  items: z.array(z.strictObject({
    id: z.string(), name: z.string(), roles: Roles, expiresAt: Time.nullable(), createdAt: Time, createdBy: z.string(), revokedAt: Time.nullable(),
  })),
});

export const CreatedTenant = z.strictObject({
  id: z.string(), name: z.string(), placement: z.enum(['pooled', 'schema', 'dedicated']),
  adminKey: z.string().describe('an admin key of the new tenant: shown only in this answer'), createdAt: Time,
});

export const CreatedConnector = z.strictObject({
  id: z.string(), type: z.string(), name: z.string(),
  webhookUrl: z.string().describe('where the source sends its webhooks'),
  signingSecret: z.string().describe('the webhook signing secret: shown only in this answer'),
  scimToken: z.string().optional().describe('`okta`: the SCIM bearer token (derived from the signing secret): shown only in this answer'),
});
export const ConnectorView = z.strictObject({
  id: z.string(), type: z.string(),
  kind: z.enum(['source', 'target']).describe('source: brings events in; target: what a notify rule sends to'),
  name: z.string(), enabled: z.boolean(),
  config: z.record(z.string(), z.unknown()).describe('without its secrets'),
  secrets: z.array(z.string()).describe('names of the secrets stored for it (values are never returned)'),
  webhookUrl: z.string(), version: z.number().int(), createdAt: Time, updatedAt: Time,
});
export const ConnectorList = z.strictObject({ items: z.array(ConnectorView) });
export const ConnectorTestResult = z.strictObject({
  ok: z.boolean().describe('whether the remote system accepted the test'),
  detail: z.string().describe('the remote system\'s verdict in its own words (an error code or message; never a secret)'),
});
export const UpdatedConnector = ConnectorView.extend({
  signingSecret: z.string().optional().describe('the new signing secret, only when `rotateSigningSecret` asked for one'),
  scimToken: z.string().optional().describe('`okta`: the new SCIM token, with a new signing secret'),
});

export const OktaVerification = z.strictObject({ verification: z.string().describe('the value of X-Okta-Verification-Challenge') });
export const OpenLineageBatchAnswer = z.strictObject({
  status: z.enum(['success', 'partial_success']),
  summary: z.strictObject({ received: z.number().int(), successful: z.number().int(), failed: z.number().int(),
    retriable: z.number().int(), non_retriable: z.number().int() }),
  failed_events: z.array(z.strictObject({ index: z.number().int().describe('the event\'s place in the batch, from 0'),
    reason: z.string().describe('the failing paths and why'), retriable: z.boolean() })),
});
export const ColumnLineage = z.strictObject({
  qualifiedName: z.string(),
  columns: z.array(z.strictObject({
    name: z.string(), type: z.string().nullable(), description: z.string().nullable(),
    inputFields: z.array(z.strictObject({
      qualifiedName: z.string().nullable().describe('the input asset; null when no mapping rule resolves its dataset'),
      ref: z.string().describe('the input dataset as `namespace/name`'), field: z.string(),
      transformations: z.array(z.strictObject({ type: z.string(), subtype: z.string().nullable(), description: z.string().nullable(), masking: z.boolean().nullable() })),
    })),
  })),
});

export const Accepted = z.strictObject({ eventIds: z.array(z.string()).describe('ids of the deliveries, durably logged') });

export const IncidentView = z.strictObject({
  id: z.string(), source: z.string(), externalId: z.string(), type: z.string(), rawType: z.string().nullable(), severity: z.string().nullable(),
  status: z.enum(['open', 'resolved']), rawStatus: z.string().nullable(), title: z.string().nullable(), url: z.string().nullable(),
  owner: z.string().nullable(), startedAt: Time, updatedAt: Time,
  assets: z.array(z.strictObject({
    qualifiedName: z.string().nullable().describe('null while no asset has the name the table maps to'),
    sourceRef: z.string().describe('the table as the source names it'), resolved: z.boolean(),
  })),
});
export const IncidentPage = page(IncidentView);

export const DeadLetterPage = page(z.strictObject({
  id: z.string(), stream: z.string(), reason: z.string(), payload: z.unknown(), createdAt: Time, replayedAt: Time.nullable(),
}));
export const Replayed = z.strictObject({ id: z.string(), status: z.literal('replayed') });

export const DeliveryPage = page(z.strictObject({
  id: z.string(), ruleId: z.string(), connectorId: z.string(),
  incidentId: z.string().nullable().describe('the incident it tells of; null for an owner-loss delivery (see ownerLoss)'),
  ownerLoss: z.strictObject({
    id: z.string().describe('the loss: `data.loss` of its asset.owner.deactivated events'),
    kind: z.enum(['person', 'group']), who: z.string(), reason: z.string(),
    assets: z.number().int().describe('how many assets the message names as having lost the owner'),
  }).nullable().describe('for a notify rule on asset.owner.deactivated: the owner lost it tells of, once; null for an incident delivery'),
  digest: z.boolean().describe('sent in the rule\'s digest summaries'),
  status: z.enum(['pending', 'sent', 'retrying', 'parked']),
  ref: z.record(z.string(), z.string()).nullable().describe('the destination\'s message or ticket (Slack channel and ts, Jira issue key, Freshdesk ticket id; a catalog entity\'s guid, typeName and qualifiedName)'),
  attemptCount: z.number().int(),
  attempts: z.array(z.strictObject({ at: Time, outcome: z.enum(['sent', 'failed', 'rate_limited', 'parked']),
    answer: z.string().describe('the destination\'s answer in its own words; never a secret') })).describe('the newest 20, newest first'),
  nextAttemptAt: Time.nullable().describe('when a retrying delivery is tried again'),
  writeback: z.strictObject({
    assetId: z.number().int(), qualifiedName: z.string().nullable(),
    written: z.strictObject({ attributes: z.record(z.string(), z.unknown()), tags: z.array(z.string()) }).nullable()
      .describe('the state last written to the entity: the attributes set and the catalog tag names attached (the bridge\'s outbox)'),
    wantedSequence: z.number().int().describe('the newest change the entity must show'),
    sentSequence: z.number().int().describe('the change it shows'),
  }).nullable().describe('for a catalog bridge connector (atlas, atlan): the asset written back to its entity (`ref`); null for a notification'),
  createdAt: Time, updatedAt: Time,
}));

export const BackfillCreated = z.strictObject({ id: z.string() });
export const BackfillView = z.strictObject({
  id: z.string(), connectorId: z.string(), since: Time, until: Time.nullable(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  pages: z.number().int(), observations: z.number().int(), attempts: z.number().int(),
  rateLimited: z.number().int().describe('times the source asked us to slow down'), lastError: z.string().nullable(),
  createdAt: Time, updatedAt: Time, finishedAt: Time.nullable(),
});

export const BackfillPage = page(BackfillView);

export const Rule = z.strictObject({
  id: z.string(), name: z.string(), builtin: z.boolean(), enabled: z.boolean(),
  trigger: z.array(z.string()).describe('change-event types that make the rule look at the event\'s subject'),
  filter: z.string().nullable().describe('CEL over `event`'), action: RuleAction, version: z.number().int(),
});
export const RuleList = z.strictObject({ items: z.array(Rule) });
/** A rule as saved: its planning over the tenant's assets runs in the background, after the answer. */
export const SavedRule = Rule.extend({ planning: z.literal('queued').describe('the propagator plans the rule over every asset after this answer') });

export const IgnoredDeliveryPage = page(z.strictObject({
  id: z.string().describe('the event id the webhook was answered with'), connectorId: z.string(), receivedAt: Time,
  reason: z.string().describe('why it is not applied: `not_an_incident`, `unsupported_version`, `no_incident_id`'),
  action: z.string().nullable(), type: z.string().nullable(), version: z.string().nullable(),
  body: z.unknown().describe('the body as received'),
}));

export const ExpressionChecked = z.strictObject({
  ok: z.literal(true),
  cost: z.number().int().describe('the estimated worst-case cost of one evaluation, in budget units'),
  budget: z.number().int().describe('the most one evaluation may cost'),
});

/** What an impact answer says about the assets it reaches, whatever it started from. */
const impactReach = {
  maxDepth: z.number().int().describe('the depth asked for (or the default)'),
  total: z.number().int().describe('assets reached, the start excluded, each once at its shortest depth'),
  byDepth: z.array(z.strictObject({ depth: z.number().int(), count: z.number().int() })).describe('by depth, nearest first'),
  byType: z.array(z.strictObject({ typeName: z.string(), count: z.number().int() })).describe('by type, most assets first'),
  owners: z.array(z.strictObject({ owner: z.string(), assets: z.number().int() }))
    .describe('owners (the `owner` attribute) of the assets reached, most assets first; assets without one are left out'),
  assets: z.array(z.strictObject({ qualifiedName: z.string(), typeName: z.string(), depth: z.number().int(), owner: z.string().nullable() }))
    .describe('a page of the assets reached, in qualified-name order'),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null after the last page'),
};
export const IncidentImpact = z.strictObject({
  incident: z.strictObject({
    id: z.string(), type: z.string(), severity: z.string().nullable(), status: z.enum(['open', 'resolved']),
    assets: z.array(z.string()).describe('the catalog assets it is on: where the walk starts'),
  }),
  ...impactReach,
});
export const AssetImpact = z.strictObject({ root: z.string(), direction: z.enum(['downstream', 'upstream']), ...impactReach });

const Engine = z.enum(['clickhouse', 'druid']).describe('the engine that answered: `druid` when DRUID_URL is set, else the analytics store (`clickhouse`)');
export const LineageHotspots = z.strictObject({
  window: z.string(),
  since: Time.describe('the start of the window'),
  items: z.array(z.strictObject({
    qualifiedName: z.string(),
    upstreamOpenIncidents: z.number().int().describe(`open incidents on assets upstream of it, within ${CLOSURE_DEPTH} hops (the analytics store's closure)`),
    upstreamIncidents: z.number().int().describe(`incidents opened in the window on assets upstream of it, within ${CLOSURE_DEPTH} hops`),
  })).describe('most open incidents upstream first'),
});
export const IncidentTrends = z.strictObject({
  from: Time, to: Time,
  granularity: z.enum(['hour', 'day', 'week']),
  groupBy: z.enum(['type', 'severity', 'source', 'status', 'asset']),
  engine: Engine,
  series: z.array(z.strictObject({
    key: z.string().describe('the group\'s value (`none` for no severity)'),
    points: z.array(z.strictObject({
      time: Time.describe('the start of the bucket'),
      opened: z.number().int(), resolved: z.number().int(), openAtEnd: z.number().int().describe('incidents open at the end of the bucket'),
    })),
  })),
});
export const IncidentsSummary = z.strictObject({
  from: Time, to: Time, engine: Engine,
  openNow: z.number().int(), opened: z.number().int().describe('incidents opened in from..to'), resolved: z.number().int().describe('incidents resolved in from..to'),
  meanSecondsToAcknowledge: z.number().nullable().describe('over the incidents opened in from..to that were acknowledged; null when none was'),
  meanSecondsToResolve: z.number().nullable().describe('over the incidents opened in from..to that were resolved; null when none was'),
});

export const PipelineLag = z.strictObject({
  window: z.string(),
  since: Time.describe('the start of the window (the minute it falls in counts whole)'),
  stages: z.array(z.strictObject({
    stage: z.enum(['ingest', 'propagation'])
      .describe('ingest: a webhook or delivery received until its observation is applied; propagation: a change until the writes it propagates are committed'),
    count: z.number().int().describe('samples in the window: observations applied, or propagation partitions committed'),
    p50Ms: z.number().int().nullable().describe('median, in ms: the upper bound of its bucket (10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10, 30, 60 s), at most maxMs; null without samples'),
    p95Ms: z.number().int().nullable().describe('95th percentile, in ms, read the same way; null without samples'),
    maxMs: z.number().int().nullable().describe('the largest sample, in ms; null without samples'),
    lastAt: Time.nullable().describe('the start of the minute of the newest sample; null without samples'),
  })).describe('both stages, always: ingest, then propagation'),
});

export const RulePreviewed = z.strictObject({
  changes: z.array(z.strictObject({
    qualifiedName: z.string(),
    change: z.looseObject({ type: z.string() }).describe('the change event the rule would write there: its type, and the state before and after'),
  })).describe('in qualified-name order'),
  total: z.number().int().describe('how many changes in all'),
});

export const ConsoleConfig = z.strictObject({
  oidc: z.strictObject({
    authority: z.string().describe('the OIDC issuer (OIDC_ISSUER)'),
    clientId: z.string().describe('the console\'s public client id (OIDC_CONSOLE_CLIENT_ID)'),
    scope: z.string(),
  }).nullable(),
});

export const SessionView = z.strictObject({
  kind: z.enum(['api-key', 'oidc']),
  actor: z.string().describe('`key:<id>` or `oidc:<sub>`, as the audit log names it'),
  tenant: z.string(),
  roles: z.array(z.enum(ROLES)),
  tenants: z.array(z.string()).describe('every tenant the credential grants (choose one with X-Tenant-Id)'),
  platformAdmin: z.boolean(),
});
