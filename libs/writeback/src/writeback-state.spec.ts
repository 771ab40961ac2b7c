import { AssetFacts, appliedState, desiredState, diffState, isEmptyDiff } from './writeback-state';

const healthy: AssetFacts = {
  attributes: {}, derivedAttributes: {}, openIncidents: [], monitored: false, upstreamOpenIncidents: 0, propagatedTags: [],
};
const incident = (id: string, title: string, over: Partial<AssetFacts['openIncidents'][number]> = {}) =>
  ({ id, title, externalId: `mc-${id}`, type: 'freshness', severity: 'SEV-2', state: 'open', ...over });
const same = (name: string) => name;

describe('desiredState', () => {
  it('a healthy asset: empty Monte Carlo lists, no announcement, no certificate', () => {
    expect(desiredState(healthy, same)).toEqual({
      attributes: { assetMcIncidentNames: [], assetMcIncidentQualifiedNames: [], assetMcIncidentTypes: [], assetMcIncidentSeverities: [], assetMcIncidentStates: [] },
      tags: [],
    });
  });

  it('open incidents on the asset: sorted, de-duplicated lists and an issue announcement naming them', () => {
    const state = desiredState({ ...healthy, monitored: true, openIncidents: [
      incident('b', 'Orders late', { severity: 'SEV-1', state: 'acknowledged' }), incident('a', 'Null ids'), incident('c', 'Orders late', { type: 'volume' }),
    ] }, same);
    expect(state.attributes).toMatchObject({
      assetMcIncidentNames: ['Null ids', 'Orders late'],
      assetMcIncidentQualifiedNames: ['tributary/incidents/a', 'tributary/incidents/b', 'tributary/incidents/c'],
      assetMcIncidentTypes: ['freshness', 'volume'], assetMcIncidentSeverities: ['SEV-1', 'SEV-2'], assetMcIncidentStates: ['acknowledged', 'open'],
      assetMcIsMonitored: true, announcementType: 'issue', announcementTitle: '3 open incidents',
    });
    expect(state.attributes.announcementMessage).toContain('Null ids; Orders late');
  });

  it('only upstream trouble: a warning naming the count and the deprecated upstream assets', () => {
    const state = desiredState({ ...healthy, upstreamOpenIncidents: 2, derivedAttributes: { upstreamDeprecated: ['db/raw/orders'] } }, same);
    expect(state.attributes).toMatchObject({ announcementType: 'warning', announcementTitle: 'Upstream incident' });
    expect(state.attributes.announcementMessage).toBe('Tributary reports 2 open incidents upstream; deprecated upstream: db/raw/orders.');
    expect(desiredState({ ...healthy, derivedAttributes: { upstreamDeprecated: ['x'] } }, same).attributes.announcementTitle).toBe('Upstream asset deprecated');
  });

  it('deprecated in Tributary: certificate DEPRECATED with a message', () => {
    expect(desiredState({ ...healthy, attributes: { certificate: 'DEPRECATED' } }, same).attributes)
      .toMatchObject({ certificateStatus: 'DEPRECATED', certificateStatusMessage: 'Deprecated in Tributary.' });
    expect(desiredState({ ...healthy, attributes: { certificateStatus: 'DEPRECATED' } }, same).attributes).not.toHaveProperty('certificateStatus');
  });

  it('propagated tags under the catalog names, sorted', () => {
    expect(desiredState({ ...healthy, propagatedTags: ['PII', 'Finance', 'PII'] }, (n) => `hash-${n}`).tags).toEqual(['hash-Finance', 'hash-PII']);
  });

  it('is the same for the same facts: nothing in it changes from one write to the next', () => {
    const facts = { ...healthy, openIncidents: [incident('a', 'x')] };
    expect(desiredState(facts, same)).toEqual(desiredState(facts, same));
  });
});

describe('diffState', () => {
  it('never sends an empty list it did not fill before: a healthy entity is not written at all', () => {
    expect(isEmptyDiff(diffState(desiredState(healthy, same), null, []))).toBe(true);
  });

  it('sends everything the first time, nothing when the same state is written again', () => {
    const wanted = desiredState({ ...healthy, openIncidents: [incident('a', 'late')], propagatedTags: ['PII'] }, same);
    const first = diffState(wanted, null, []);
    expect(first.attributes).toEqual(wanted.attributes);
    expect(first.addTags).toEqual(['PII']);
    const written = appliedState(wanted, null, { added: first.addTags, removed: [] });
    expect(isEmptyDiff(diffState(wanted, written, []))).toBe(true);
  });

  it('clears the announcement with explicit nulls once healthy, and empties the lists', () => {
    const sick = desiredState({ ...healthy, openIncidents: [incident('a', 'late')] }, same);
    const written = appliedState(sick, null, { added: [], removed: [] });
    const diff = diffState(desiredState(healthy, same), written, []);
    expect(diff.attributes).toEqual({
      assetMcIncidentNames: [], assetMcIncidentQualifiedNames: [], assetMcIncidentTypes: [], assetMcIncidentSeverities: [], assetMcIncidentStates: [],
      announcementType: null, announcementTitle: null, announcementMessage: null,
    });
  });

  it('never touches an announcement it did not write', () => {
    const wanted = desiredState({ ...healthy, monitored: true }, same);
    const diff = diffState(wanted, null, []);
    expect(diff.attributes).toEqual({ assetMcIsMonitored: true });
    expect(isEmptyDiff(diffState(wanted, appliedState(wanted, null, { added: [], removed: [] }), []))).toBe(true);
  });

  it('sends the whole announcement when any part of it changes', () => {
    const one = desiredState({ ...healthy, openIncidents: [incident('a', 'late')] }, same);
    const two = desiredState({ ...healthy, openIncidents: [incident('a', 'late'), incident('b', 'empty')] }, same);
    const diff = diffState(two, appliedState(one, null, { added: [], removed: [] }), []);
    expect(diff.attributes).toMatchObject({ announcementType: 'issue', announcementTitle: '2 open incidents' });
  });

  it('a tag someone else attached directly is neither added nor removed; ours are removed when no longer propagated', () => {
    const wanted = desiredState({ ...healthy, propagatedTags: ['PII', 'Finance'] }, same);
    expect(diffState(wanted, null, ['PII'])).toMatchObject({ addTags: ['Finance'], removeTags: [] });
    const ours = { attributes: wanted.attributes, tags: ['Finance', 'PII'] };
    // the catalog shows our own tags as direct ones too: still ours
    expect(diffState(desiredState(healthy, same), ours, ['Finance', 'PII'])).toMatchObject({ addTags: [], removeTags: ['Finance', 'PII'] });
  });
});
