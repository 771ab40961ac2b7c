import { incidentNotice } from '../target-connector.contract';
import { ADAPTIVE_CARD_CONTENT_TYPE, AdaptiveCard, CardElement, digestCard, incidentCard, MAX_DIGEST_INCIDENTS, testCard, WorkflowsMessage } from './teams-card';

const card = (message: WorkflowsMessage): AdaptiveCard => message.attachments[0]!.content;
const texts = (elements: CardElement[]): string[] => elements.flatMap((e) => {
  if (e.type === 'TextBlock') return [e.text];
  if (e.type === 'FactSet') return e.facts.map((f) => `${f.title}: ${f.value}`);
  return texts(e.items);
});

describe('incidentCard', () => {
  it('is the message the Workflows trigger takes: one Adaptive Card 1.4 attachment', () => {
    const message = incidentCard(incidentNotice());
    expect(message).toMatchObject({
      type: 'message',
      attachments: [{
        contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' },
      }],
    });
    expect(message.attachments).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(message))).toEqual(message);
  });

  it('titles the card with the severity and shows the incident as facts', () => {
    const lines = texts(card(incidentCard(incidentNotice({ rawStatus: 'investigating' }))).body);
    expect(lines).toContain('SEV-1 · Freshness anomaly on ORDERS');
    expect(lines).toEqual(expect.arrayContaining([
      'Status: Open (investigating)', 'Severity: SEV-1', 'Type: freshness', 'Owner: ana@example.com',
      'Asset: snowflake/acme/ANALYTICS/PUBLIC/ORDERS', 'Downstream: 3 assets', 'Downstream owners: bi@example.com (2)',
    ]));
    expect(lines.join('\n')).not.toMatch(/Resolved/);
  });

  it('says what changed: a resolved incident\'s card says Resolved', () => {
    const resolved = texts(card(incidentCard(incidentNotice({ change: 'resolved', status: 'resolved' }))).body);
    expect(resolved[0]).toMatch(/^Resolved · montecarlo · 2026-12-03 10:00 UTC$/);
    expect(resolved).toContain('Status: Resolved');
    expect(texts(card(incidentCard(incidentNotice({ change: 'reopened' }))).body)[0]).toMatch(/^Reopened/);
  });

  it('names a missing severity and owner instead of leaving them blank', () => {
    const lines = texts(card(incidentCard(incidentNotice({ severity: null, owner: null, downstream: { count: 0, owners: [] } }))).body);
    expect(lines).toEqual(expect.arrayContaining(['Freshness anomaly on ORDERS', 'Severity: none given', 'Owner: none', 'Downstream: none']));
    expect(lines.some((l) => l.startsWith('Downstream owners'))).toBe(false);
  });

  it('links the source and the asset, and never a URL that is not http(s)', () => {
    expect(card(incidentCard(incidentNotice())).actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open in montecarlo', url: 'https://getmontecarlo.com/alerts/7f1e' },
      { type: 'Action.OpenUrl', title: 'View ORDERS', url: 'https://tributary.example/v1/assets/snowflake%2Facme%2FANALYTICS%2FPUBLIC%2FORDERS' },
    ]);
    const hostile = incidentCard(incidentNotice({ sourceUrl: 'javascript:alert(1)' }));
    expect(card(hostile).actions.map((a) => a.title)).toEqual(['View ORDERS']);
    expect(card(incidentCard(incidentNotice({ sourceUrl: null }))).actions).toHaveLength(1);
  });
});

describe('digestCard', () => {
  const incidents = (n: number) => Array.from({ length: n }, (_, i) => incidentNotice({ title: `Volume drop ${i + 1}` }));
  const window = { from: new Date('2026-12-03T10:00:00Z'), to: new Date('2026-12-03T10:05:00Z') };

  it('lists every incident of the window with its severity, state and reach', () => {
    const lines = texts(card(digestCard({ ...window, incidents: incidents(2) })).body);
    expect(lines[0]).toBe('2 incidents from 2026-12-03 10:00 UTC to 2026-12-03 10:05 UTC');
    expect(lines).toEqual(expect.arrayContaining(['SEV-1 · Volume drop 1', 'SEV-1 · Volume drop 2']));
    expect(lines).toContain('Open · freshness · on snowflake/acme/ANALYTICS/PUBLIC/ORDERS · downstream 3 assets');
  });

  it(`lists at most ${MAX_DIGEST_INCIDENTS} and says how many more`, () => {
    const lines = texts(card(digestCard({ ...window, incidents: incidents(MAX_DIGEST_INCIDENTS + 3) })).body);
    expect(lines).toContain(`SEV-1 · Volume drop ${MAX_DIGEST_INCIDENTS}`);
    expect(lines).not.toContain(`SEV-1 · Volume drop ${MAX_DIGEST_INCIDENTS + 1}`);
    expect(lines[lines.length - 1]).toBe('…and 3 more');
  });
});

describe('testCard', () => {
  it('is an Adaptive Card that says it is a test', () => {
    expect(card(testCard()).type).toBe('AdaptiveCard');
    expect(texts(card(testCard()).body)[0]).toBe('Tributary test message');
  });
});
