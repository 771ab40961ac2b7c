import { incidentNotice } from '../target-connector.contract';
import {
  DEFAULT_PRIORITY_BY_SEVERITY, digestTicket, escapeHtml, incidentNote, incidentTicket, MAX_DIGEST_INCIDENTS, priorityFor, testTicket, TicketDefaults,
} from './freshdesk-ticket';

const defaults: TicketDefaults = { requesterEmail: 'data-alerts@example.com', priorityBySeverity: DEFAULT_PRIORITY_BY_SEVERITY, tags: ['tributary'] };

describe('priorityFor', () => {
  it.each([
    ['SEV-1', 4], ['SEV-2', 3], ['SEV-3', 2], ['sev-2', 3], [' SEV-1 ', 4], ['SEV-4', 1], ['critical', 1], [null, 1],
  ] as const)('gives %p priority %d by default (1 Low for a severity it does not name)', (severity, priority) => {
    expect(priorityFor(severity, DEFAULT_PRIORITY_BY_SEVERITY)).toBe(priority);
  });

  it('reads a configured map instead of the default', () => {
    expect(priorityFor('critical', { critical: 4 })).toBe(4);
    expect(priorityFor('SEV-1', { critical: 4 })).toBe(1);
  });
});

describe('escapeHtml', () => {
  it('escapes what could open a tag, an entity or an attribute', () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
  });
});

describe('incidentTicket', () => {
  it('raises an Open portal ticket from the requester, with the priority of its severity, the tags and the incident\'s tag', () => {
    const body = incidentTicket(incidentNotice({ severity: 'SEV-2' }), { ...defaults, type: 'Incident', groupId: 42 });
    expect(body).toMatchObject({
      subject: '[SEV-2] Freshness anomaly on ORDERS', email: 'data-alerts@example.com', priority: 3, status: 2, source: 2,
      tags: ['tributary', 'tributary-incident-0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01'], type: 'Incident', group_id: 42,
    });
  });

  it('tags the incident once, even when the configured tags already name it', () => {
    const tag = 'tributary-incident-0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01';
    expect(incidentTicket(incidentNotice(), { ...defaults, tags: [tag, 'data'] }).tags).toEqual([tag, 'data']);
  });

  it('leaves out type and group when the config has none', () => {
    const body = incidentTicket(incidentNotice(), defaults);
    expect('type' in body || 'group_id' in body).toBe(false);
  });

  it('describes the incident in HTML: facts, the asset and the source as links', () => {
    const { description } = incidentTicket(incidentNotice(), defaults);
    expect(description).toContain('<strong>New incident</strong>: [SEV-1] Freshness anomaly on ORDERS (from montecarlo, 2026-12-03 10:00 UTC)');
    expect(description).toContain('<li><strong>Downstream:</strong> 3 assets</li>');
    expect(description).toContain('<li><strong>Downstream owners:</strong> bi@example.com (2)</li>');
    expect(description).toContain('<a href="https://tributary.example/v1/assets/snowflake%2Facme%2FANALYTICS%2FPUBLIC%2FORDERS">snowflake/acme/ANALYTICS/PUBLIC/ORDERS</a>');
    expect(description).toContain('<a href="https://getmontecarlo.com/alerts/7f1e">Open in montecarlo</a>');
  });

  it('escapes every text from the source, and links only http(s) URLs', () => {
    const { description, subject } = incidentTicket(incidentNotice({
      title: '<script>alert(1)</script>', owner: '"Ana" <ana@example.com>', sourceUrl: 'javascript:alert(2)',
      assets: [{ qualifiedName: 'db/<b>x</b>', url: 'https://tributary.example/a?x=1&y="2"', owner: null }],
    }), defaults);
    expect(subject).toBe('[SEV-1] <script>alert(1)</script>');
    expect(description).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(description).toContain('&quot;Ana&quot; &lt;ana@example.com&gt;');
    expect(description).toContain('<a href="https://tributary.example/a?x=1&amp;y=&quot;2&quot;">db/&lt;b&gt;x&lt;/b&gt;</a>');
    expect(description).not.toMatch(/<script|<b>|javascript:/);
  });

  it('raises a ticket for an incident already resolved as Resolved', () => {
    expect(incidentTicket(incidentNotice({ change: 'resolved', status: 'resolved' }), defaults).status).toBe(4);
  });

  it('cuts a subject to 255 characters', () => {
    expect(incidentTicket(incidentNotice({ title: 'x'.repeat(400) }), defaults).subject).toHaveLength(255);
  });
});

describe('incidentNote', () => {
  it('is private and says what changed, with the incident\'s current state', () => {
    const note = incidentNote(incidentNotice({ change: 'resolved', status: 'resolved', severity: 'SEV-2', rawStatus: 'fixed' }));
    expect(note.private).toBe(true);
    expect(note.body).toMatch(/^<p><strong>Resolved<\/strong>: \[SEV-2\] Freshness anomaly on ORDERS/);
    expect(note.body).toContain('<li><strong>Status:</strong> Resolved (fixed)</li>');
  });
});

describe('digestTicket', () => {
  const window = { from: new Date('2026-12-03T10:00:00Z'), to: new Date('2026-12-03T10:05:00Z') };

  it('lists every incident, at the highest priority among them', () => {
    const body = digestTicket({ ...window, incidents: [incidentNotice({ severity: 'SEV-3', title: 'A' }), incidentNotice({ severity: 'SEV-2', title: 'B & C' })] }, defaults);
    expect(body).toMatchObject({ subject: '2 incidents from 2026-12-03 10:00 UTC to 2026-12-03 10:05 UTC', priority: 3, status: 2 });
    expect(body.description).toContain('<li><strong>[SEV-3] A</strong>: Open, freshness, on snowflake/acme/ANALYTICS/PUBLIC/ORDERS, downstream 3 assets');
    expect(body.description).toContain('<strong>[SEV-2] B &amp; C</strong>');
  });

  it('carries the configured tags only: a digest is about many incidents, and a webhook about it names none', () => {
    expect(digestTicket({ ...window, incidents: [incidentNotice()] }, defaults).tags).toEqual(['tributary']);
  });

  it(`lists at most ${MAX_DIGEST_INCIDENTS} and says how many more`, () => {
    const incidents = Array.from({ length: MAX_DIGEST_INCIDENTS + 2 }, (_, i) => incidentNotice({ title: `T${i + 1}.` }));
    const { description } = digestTicket({ ...window, incidents }, defaults);
    expect(description).toContain(`T${MAX_DIGEST_INCIDENTS}.`);
    expect(description).not.toContain(`T${MAX_DIGEST_INCIDENTS + 1}.`);
    expect(description).toContain('…and 2 more.');
  });
});

describe('testTicket', () => {
  it('is a Low ticket that says it is a test', () => {
    expect(testTicket(defaults)).toMatchObject({ subject: 'Tributary test ticket', priority: 1, status: 2, email: 'data-alerts@example.com', tags: ['tributary'] });
  });
});
