import { incidentNotice } from '../target-connector.contract';
import { AdfDoc, AdfText, changeComment, digestDescription, incidentDescription, MAX_LISTED } from './jira-adf';

/** Every text node of a document, in order. */
function texts(node: unknown): AdfText[] {
  if (typeof node !== 'object' || node === null) return [];
  const n = node as { type?: string; content?: unknown[] };
  if (n.type === 'text') return [node as AdfText];
  return (n.content ?? []).flatMap(texts);
}
const plain = (doc: AdfDoc) => texts(doc).map((t) => t.text).join('');
const links = (doc: AdfDoc) => texts(doc).filter((t) => t.marks?.some((m) => m.type === 'link'))
  .map((t) => ({ text: t.text, href: t.marks!.find((m) => m.type === 'link')!.attrs!.href }));

describe('jira-adf', () => {
  describe(incidentDescription.name, () => {
    const notice = incidentNotice({ rawStatus: 'investigating' });
    const doc = incidentDescription(notice);

    it('is an ADF document of paragraphs and bullet lists', () => {
      expect(doc).toMatchObject({ type: 'doc', version: 1 });
      expect(new Set(doc.content.map((b) => b.type))).toEqual(new Set(['paragraph', 'bulletList']));
      expect(texts(doc).every((t) => t.text.length > 0)).toBe(true);
    });

    it('shows the title, severity, status with the source\'s word, type, owner and downstream count and owners', () => {
      const text = plain(doc);
      for (const part of ['Freshness anomaly on ORDERS', 'Severity: SEV-1', 'Status: open (investigating)', 'Type: freshness',
        'Owner: ana@example.com', 'Downstream: 3 assets', 'bi@example.com: 2 assets', notice.incidentId]) {
        expect(text).toContain(part);
      }
    });

    it('links each asset to its catalog page and the incident to its source', () => {
      expect(links(doc)).toEqual([
        { text: notice.assets[0]!.qualifiedName, href: notice.assets[0]!.url },
        { text: 'Open in montecarlo', href: 'https://getmontecarlo.com/alerts/7f1e' },
      ]);
    });

    it('lists at most MAX_LISTED assets and counts the rest', () => {
      const assets = Array.from({ length: MAX_LISTED + 3 }, (_, i) => ({ qualifiedName: `db/t${i}`, url: `https://tributary.example/v1/assets/t${i}`, owner: null }));
      const many = incidentDescription(incidentNotice({ assets }));
      expect(links(many).filter((l) => l.text.startsWith('db/'))).toHaveLength(MAX_LISTED);
      expect(plain(many)).toContain(`Assets (${MAX_LISTED + 3})`);
      expect(plain(many)).toContain('and 3 more');
    });
  });

  describe('text from a notice', () => {
    const hostile = '*bold* _em_ [click|https://evil.example] <script>alert(1)</script> {code}x{code} **md** [md](https://evil.example)';

    it('stays one literal text node, never markup', () => {
      const doc = incidentDescription(incidentNotice({ title: hostile, owner: '<b>owner</b>' }));
      expect(texts(doc)).toContainEqual({ type: 'text', text: hostile, marks: [{ type: 'strong' }] });
      expect(texts(doc).some((t) => t.text === '<b>owner</b>')).toBe(true);
      expect(links(doc).map((l) => l.href)).not.toContain('https://evil.example');
    });

    it('makes links of http(s) URLs only', () => {
      const doc = incidentDescription(incidentNotice({
        sourceUrl: 'javascript:alert(1)',
        assets: [{ qualifiedName: 'db/t', url: 'data:text/html,<b>x</b>', owner: null }],
      }));
      expect(links(doc)).toEqual([]);
      expect(plain(doc)).toContain('db/t');
    });

    it('leaves out empty texts, which ADF refuses', () => {
      const doc = incidentDescription(incidentNotice({ title: '', owner: null, sourceUrl: null, downstream: { count: 0, owners: [] } }));
      expect(texts(doc).every((t) => t.text.length > 0)).toBe(true);
      expect(plain(doc)).toContain('Downstream: 0 assets');
    });
  });

  describe(changeComment.name, () => {
    it.each([
      ['opened', 'The incident was opened.'],
      ['updated', 'The incident was updated.'],
      ['resolved', 'The incident was resolved.'],
      ['reopened', 'The incident was reopened.'],
    ] as const)('says the incident was %s, and the state it left', (change, headline) => {
      const text = plain(changeComment(incidentNotice({ change, severity: 'SEV-2', rawStatus: 'fixed', status: 'resolved' })));
      expect(text).toContain(headline);
      expect(text).toContain('Severity: SEV-2');
      expect(text).toContain('Status: resolved (fixed)');
      expect(text).toContain('2026-12-03T10:00:00.000Z');
    });
  });

  describe(digestDescription.name, () => {
    it('lists every incident with its severity, first asset and source link', () => {
      const incidents = [1, 2].map((n) => incidentNotice({ title: `Volume drop ${n}`, severity: n === 1 ? 'SEV-1' : null }));
      const doc = digestDescription({ from: new Date('2026-12-03T10:00:00Z'), to: new Date('2026-12-03T10:01:00Z'), incidents });
      const text = plain(doc);
      expect(text).toContain('2 incidents between 2026-12-03T10:00:00.000Z and 2026-12-03T10:01:00.000Z');
      expect(text).toContain('[SEV-1] Volume drop 1');
      expect(text).toContain('[no severity] Volume drop 2');
      expect(links(doc).filter((l) => l.text === 'Open in montecarlo')).toHaveLength(2);
      expect(doc.content[1]).toMatchObject({ type: 'bulletList', content: [{ type: 'listItem' }, { type: 'listItem' }] });
    });
  });
});
