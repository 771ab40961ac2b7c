import { FormEvent, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { allows, api, Connectors, explain, json, NewRule, Preview, Rule, RuleChange, Rules, Saved, Session } from '../api';
import { ExpressionField, useExpressionCheck } from './expression-field';

type Trigger = NewRule['trigger'][number];
type ActionType = NewRule['action']['type'];

/** Every change type a rule may trigger on (the API's CHANGE_TYPES; the check below fails to compile if one is missing). */
const TRIGGERS = [
  'asset.created', 'asset.updated', 'asset.deleted', 'asset.classification.added', 'asset.classification.removed',
  'lineage.edge.added', 'lineage.edge.removed', 'incident.opened', 'incident.updated', 'incident.resolved', 'asset.health.changed',
  'asset.owner.deactivated',
] as const satisfies readonly Trigger[];
// `true` only when no change type the API accepts is missing from TRIGGERS
const everyTrigger: [Exclude<Trigger, (typeof TRIGGERS)[number]>] extends [never] ? true : never = true;
void everyTrigger;

const ACTIONS: { type: ActionType; label: string }[] = [
  { type: 'propagate_classification', label: 'Propagate tags downstream' },
  { type: 'propagate_incidents', label: 'Propagate incidents downstream' },
  { type: 'propagate_attribute', label: 'Propagate an attribute downstream' },
  { type: 'notify', label: 'Notify through a target connector' },
];

/** The rule being written, as the form holds it (text as typed; numbers and lists parsed when sent). */
interface Draft {
  name: string; trigger: Trigger[]; filter: string; enabled: boolean; type: ActionType;
  maxDepth: string; typeNames: string; names: string;
  attribute: string; when: string; value: string; aggregate: 'nearest' | 'list';
  connectorId: string; digestSeconds: string; title: string;
}

const BLANK: Draft = {
  name: '', trigger: ['asset.created', 'asset.updated'], filter: '', enabled: false, type: 'propagate_attribute',
  maxDepth: '50', typeNames: '', names: '', attribute: '', when: '', value: '', aggregate: 'nearest', connectorId: '', digestSeconds: '0', title: '',
};

const NOTIFY_TRIGGERS: Trigger[] = ['incident.opened', 'incident.updated', 'incident.resolved'];
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

function fromRule(r: Rule): Draft {
  const a = r.action;
  return {
    ...BLANK, name: r.name, trigger: r.trigger as Trigger[], filter: r.filter ?? '', enabled: r.enabled, type: a.type,
    ...(a.type !== 'notify' ? { maxDepth: String(a.maxDepth), typeNames: (a.typeNames ?? []).join(', ') } : {}),
    ...(a.type === 'propagate_classification' ? { names: (a.names ?? []).join(', ') } : {}),
    ...(a.type === 'propagate_attribute' ? { attribute: a.attribute, when: a.when, value: a.value, aggregate: a.aggregate } : {}),
    ...(a.type === 'notify' ? { connectorId: a.connectorId, digestSeconds: String(a.digestSeconds), title: a.template?.title ?? '' } : {}),
  };
}

const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

/** The body the API takes; what it refuses (a depth out of range, a bad name) comes back as its 422. */
function toBody(d: Draft): NewRule {
  const reach = { maxDepth: Number(d.maxDepth), ...(list(d.typeNames).length ? { typeNames: list(d.typeNames) } : {}) };
  const action: NewRule['action'] = d.type === 'propagate_classification' ? { type: d.type, ...reach, ...(list(d.names).length ? { names: list(d.names) } : {}) }
    : d.type === 'propagate_incidents' ? { type: d.type, ...reach }
      : d.type === 'propagate_attribute' ? { type: d.type, ...reach, attribute: d.attribute.trim(), when: d.when, value: d.value, aggregate: d.aggregate }
        : { type: d.type, connectorId: d.connectorId.trim(), digestSeconds: Number(d.digestSeconds),
          ...(d.title.trim() ? { template: { title: d.title } } : {}) };
  return { name: d.name.trim(), trigger: d.trigger, ...(d.filter.trim() ? { filter: d.filter } : {}), action, enabled: d.enabled };
}

/** New rule (/rules/new) or one of the tenant's own (/rules/:id). */
export function RuleEditor() {
  const id = useParams().id;
  const rules = useQuery({ queryKey: ['rules'], queryFn: () => api<Rules>('/v1/rules'), enabled: id !== undefined });
  if (id === undefined) return <RuleForm key="new" />;
  if (rules.error) return <p role="alert" className="error">{explain(rules.error)}</p>;
  if (!rules.data) return <p>Loading…</p>;
  const rule = rules.data.items.find((r) => r.id === id);
  if (!rule) return <p role="alert" className="error">No rule {id} in this tenant. <Link to="/rules">Back to the rules</Link></p>;
  if (rule.builtin) return <p role="alert" className="error">{rule.name} is built in: it can only be switched on or off. <Link to="/rules">Back to the rules</Link></p>;
  return <RuleForm key={rule.id} rule={rule} />;
}

function RuleForm({ rule }: { rule?: Rule }) {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [draft, setDraft] = useState<Draft>(rule ? fromRule(rule) : BLANK);
  const preview = useMutation({ mutationFn: (body: NewRule) => api<Preview>('/v1/rules/preview', json('POST', { rule: body })) });
  const save = useMutation({
    // an edit sends every field, a filter cleared as null (left out, the rule would keep its old one)
    mutationFn: (body: NewRule) => (rule
      ? api<Saved>(`/v1/rules/${encodeURIComponent(rule.id)}`, json('PATCH', { ...body, filter: body.filter ?? null } satisfies RuleChange))
      : api<Saved>('/v1/rules', json('POST', body))),
    onSuccess: async () => { await queries.invalidateQueries({ queryKey: ['rules'] }); navigate('/rules'); },
  });
  const notify = draft.type === 'notify';
  // the variables each expression is evaluated with (the rules service's)
  const filter = useExpressionCheck(draft.filter, notify ? ['event', 'asset', 'incident'] : ['event']);
  const when = useExpressionCheck(draft.type === 'propagate_attribute' ? draft.when : '', ['source']);
  const value = useExpressionCheck(draft.type === 'propagate_attribute' ? draft.value : '', ['source']);
  const title = useExpressionCheck(notify ? draft.title : '', ['incident', 'asset']);
  const broken = [filter, when, value, title].some((c) => c.state === 'invalid' || c.state === 'failed');

  // a preview describes the rule as it was when asked for: any edit makes it stale
  const change = (next: Partial<Draft>) => { setDraft({ ...draft, ...next }); preview.reset(); };
  const toggleTrigger = (t: Trigger) => change({ trigger: draft.trigger.includes(t) ? draft.trigger.filter((x) => x !== t) : [...draft.trigger, t] });
  // a notify rule triggers on incident changes only (the server refuses asset ones): the triggers
  // left at a default follow the action; ones the steward chose are kept, for the server to judge
  const changeType = (type: ActionType) => {
    const atDefault = [BLANK.trigger, NOTIFY_TRIGGERS].some((d) => sameSet(d, draft.trigger));
    change({ type, ...(atDefault ? { trigger: type === 'notify' ? NOTIFY_TRIGGERS : BLANK.trigger } : {}) });
  };
  const submit = (e: FormEvent) => { e.preventDefault(); save.mutate(toBody(draft)); };

  return (
    <>
      <h1>{rule ? `Edit rule ${rule.name}` : 'New rule'}</h1>
      <form className="rule-form" onSubmit={submit} aria-label={rule ? 'Edit rule' : 'New rule'}>
        <label>Name <input value={draft.name} required onChange={(e) => change({ name: e.target.value })} /></label>
        <fieldset>
          <legend>Looks at an asset on these changes</legend>
          <div className="choices">
            {TRIGGERS.map((t) => (
              <label key={t}><input type="checkbox" checked={draft.trigger.includes(t)} onChange={() => toggleTrigger(t)} /> {t}</label>
            ))}
          </div>
        </fieldset>
        <ExpressionField label="Filter (CEL, optional)" value={draft.filter} onChange={(v) => change({ filter: v })} check={filter}
          hint={notify ? 'Over event, asset and incident; the rule acts only when it is true.' : 'Over event (the change); the rule acts only when it is true.'} />
        <label>Action
          <select value={draft.type} onChange={(e) => changeType(e.target.value as ActionType)}>
            {ACTIONS.map((a) => <option key={a.type} value={a.type}>{a.label}</option>)}
          </select>
        </label>
        {!notify && (
          <div className="row">
            <label>Hops downstream (1-50) <input type="number" min={1} max={50} value={draft.maxDepth} onChange={(e) => change({ maxDepth: e.target.value })} /></label>
            <label>Only onto types (comma-separated, all when empty) <input value={draft.typeNames} onChange={(e) => change({ typeNames: e.target.value })} /></label>
          </div>
        )}
        {draft.type === 'propagate_classification' && (
          <label>Tags (comma-separated; every tag marked to propagate when empty) <input value={draft.names} onChange={(e) => change({ names: e.target.value })} /></label>
        )}
        {draft.type === 'propagate_attribute' && (
          <>
            <div className="row">
              <label>Attribute <input value={draft.attribute} onChange={(e) => change({ attribute: e.target.value })} /></label>
              <label>When several sources
                <select value={draft.aggregate} onChange={(e) => change({ aggregate: e.target.value as Draft['aggregate'] })}>
                  <option value="nearest">the nearest wins</option><option value="list">list every value</option>
                </select>
              </label>
            </div>
            <ExpressionField label="Source when (CEL)" value={draft.when} onChange={(v) => change({ when: v })} check={when}
              hint="Over source (qualifiedName, typeName, attributes): is this asset a source of the value?" />
            <ExpressionField label="Value (CEL)" value={draft.value} onChange={(v) => change({ value: v })} check={value}
              hint="Over source: the value it gives the assets downstream." />
          </>
        )}
        {notify && (
          <>
            <div className="row">
              <TargetField connectorId={draft.connectorId} onChange={(connectorId) => change({ connectorId })} />
              <label>Digest seconds (0: each incident on its own) <input type="number" min={0} max={3600} value={draft.digestSeconds}
                onChange={(e) => change({ digestSeconds: e.target.value })} /></label>
            </div>
            <ExpressionField label="Title (CEL, optional)" value={draft.title} onChange={(v) => change({ title: v })} check={title}
              hint="Over incident and asset: the message's title instead of the incident's." />
          </>
        )}
        <label className="inline"><input type="checkbox" checked={draft.enabled} onChange={(e) => change({ enabled: e.target.checked })} /> Enabled</label>
        <div className="actions">
          <button type="button" disabled={broken || notify || preview.isPending} onClick={() => preview.mutate(toBody(draft))}>Preview</button>
          <button type="submit" disabled={broken || save.isPending}>{rule ? 'Save changes' : 'Save rule'}</button>
          <Link to="/rules">Cancel</Link>
        </div>
        {notify && <p className="hint">A notify rule changes no asset, so it has no preview: try its connector's test instead.</p>}
        {save.error && <p role="alert" className="error">{explain(save.error)}</p>}
      </form>
      {preview.error && <p role="alert" className="error">{explain(preview.error)}</p>}
      {preview.data && <PreviewTable preview={preview.data} />}
    </>
  );
}

/**
 * The connector a notify rule sends to: an admin picks one of the tenant's targets by name; a steward,
 * who may not list connectors, pastes the id an admin gave them (the server refuses one that is no target).
 */
function TargetField({ connectorId, onChange }: { connectorId: string; onChange: (id: string) => void }) {
  const session = useQuery({ queryKey: ['session'], queryFn: () => api<Session>('/v1/session') });
  const admin = allows(session.data, 'admin');
  const connectors = useQuery({ queryKey: ['connectors'], queryFn: () => api<Connectors>('/v1/connectors'), enabled: admin });
  if (!admin || !connectors.data) {
    return <label>Target connector id <input value={connectorId} onChange={(e) => onChange(e.target.value)} /></label>;
  }
  const targets = connectors.data.items.filter((c) => c.kind === 'target');
  return (
    <label>Target connector
      <select value={connectorId} onChange={(e) => onChange(e.target.value)}>
        <option value="">{targets.length === 0 ? 'none yet: create one on the Connectors page' : 'choose one'}</option>
        {targets.map((c) => <option key={c.id} value={c.id}>{c.name} ({c.type}{c.enabled ? '' : ', disabled'})</option>)}
        {connectorId && !targets.some((c) => c.id === connectorId) && <option value={connectorId}>{connectorId} (not a target of this tenant)</option>}
      </select>
    </label>
  );
}

function PreviewTable({ preview }: { preview: Preview }) {
  return (
    <section aria-labelledby="preview-heading">
      <h2 id="preview-heading">Dry run</h2>
      <p data-testid="preview-total">
        {preview.total === 0 ? 'Saved and enabled now, this rule would change nothing.'
          : `Saved and enabled now, this rule would make ${preview.total} ${preview.total === 1 ? 'change' : 'changes'}`
            + `${preview.total > preview.changes.length ? ` (the first ${preview.changes.length} listed)` : ''}. Nothing has been written.`}
      </p>
      {preview.changes.length > 0 && (
        <table aria-label="Changes the rule would make">
          <thead><tr><th scope="col">Asset</th><th scope="col">Change</th><th scope="col">Detail</th></tr></thead>
          <tbody>
            {preview.changes.map((c, n) => (
              <tr key={`${c.qualifiedName}/${n}`}>
                <td>{c.qualifiedName}</td><td>{c.change.type}</td><td><code>{describeChange(c.change)}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A previewed change event in a line: its state before and after. */
function describeChange(change: Preview['changes'][number]['change']): string {
  return `${JSON.stringify(change.before ?? null)} → ${JSON.stringify(change.after ?? null)}`;
}
