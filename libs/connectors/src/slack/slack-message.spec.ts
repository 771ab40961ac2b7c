import type { ActionsBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/web-api';
import { incidentNotice, ownerLossNotice } from '../target-connector.contract';
import { ACKNOWLEDGE_ACTION_ID, changeReply, digestMessage, escape, incidentMessage, ownerLossMessage, RESOLVE_ACTION_ID } from './slack-message';

const ofType = <T extends KnownBlock>(blocks: KnownBlock[] | undefined, type: T['type']) => (blocks ?? []).filter((b): b is T => b.type === type);
/** every text object's text, in order */
const words = (blocks: KnownBlock[] | undefined) => JSON.stringify(blocks);

describe('incidentMessage', () => {
  describe('an open incident', () => {
    const message = incidentMessage(incidentNotice());

    it('heads with the severity and title', () => {
      expect(ofType<HeaderBlock>(message.blocks, 'header')[0]!.text.text).toBe('[SEV-1] Freshness anomaly on ORDERS');
    });

    it('shows status, severity, type, owner, the asset linked to its page and the source linked to its incident', () => {
      const fields = ofType<SectionBlock>(message.blocks, 'section')[0]!.fields!.map((f) => f.text);
      expect(fields).toEqual([
        '*Status*\nOpen',
        '*Severity*\nSEV-1',
        '*Type*\nfreshness',
        '*Owner*\nana@example.com',
        '*Asset*\n<https://tributary.example/v1/assets/snowflake%2Facme%2FANALYTICS%2FPUBLIC%2FORDERS|snowflake/acme/ANALYTICS/PUBLIC/ORDERS>',
        '*Source*\n<https://getmontecarlo.com/alerts/7f1e|montecarlo>',
      ]);
    });

    it('shows the downstream count and owners', () => {
      expect(ofType<SectionBlock>(message.blocks, 'section')[1]!.text!.text).toBe('*Downstream impact*: 3 downstream assets, owned by bi@example.com (2)');
    });

    it('has Acknowledge and Resolve buttons carrying the incident id', () => {
      const [actions] = ofType<ActionsBlock>(message.blocks, 'actions');
      expect(actions!.elements).toEqual([
        expect.objectContaining({ type: 'button', action_id: ACKNOWLEDGE_ACTION_ID, value: '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01', text: expect.objectContaining({ text: 'Acknowledge' }) }),
        expect.objectContaining({ type: 'button', action_id: RESOLVE_ACTION_ID, value: '0b6c8f0e-4c61-4d0c-9a55-9c5b8d2a7e01', text: expect.objectContaining({ text: 'Resolve' }) }),
      ]);
      expect([ACKNOWLEDGE_ACTION_ID, RESOLVE_ACTION_ID]).toEqual(['tributary_acknowledge', 'tributary_resolve']);
    });

    it('has a notification fallback naming severity, title, state, asset and downstream count', () => {
      expect(message.text).toBe('[SEV-1] Freshness anomaly on ORDERS: Open on snowflake/acme/ANALYTICS/PUBLIC/ORDERS, 3 downstream');
    });
  });

  describe('a resolved incident', () => {
    const message = incidentMessage(incidentNotice({ change: 'resolved', status: 'resolved', rawStatus: 'fixed' }));

    it('says Resolved and has no buttons', () => {
      expect(ofType<HeaderBlock>(message.blocks, 'header')[0]!.text.text).toBe('Resolved: [SEV-1] Freshness anomaly on ORDERS');
      expect(ofType<SectionBlock>(message.blocks, 'section')[0]!.fields![0]!.text).toBe('*Status*\nResolved (fixed)');
      expect(ofType(message.blocks, 'actions')).toHaveLength(0);
    });
  });

  describe('what a source wrote', () => {
    it('cannot mention @channel or make links: &, < and > are escaped in mrkdwn, kept in plain text', () => {
      const message = incidentNotice({ title: 'Rows <!channel> & <https://evil.example|click>', owner: '<@U123>' });
      const built = incidentMessage(message);
      expect(ofType<HeaderBlock>(built.blocks, 'header')[0]!.text.text).toContain('Rows <!channel> & <https://evil.example|click>');
      expect(built.text).toContain('Rows &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
      expect(words(built.blocks)).toContain('*Owner*\\n&lt;@U123&gt;');
      expect(words(built.blocks)).not.toContain('<@U123>');
    });

    it('links only http(s) URLs, and keeps | and > out of a link target', () => {
      const built = incidentMessage(incidentNotice({ sourceUrl: 'javascript:alert(1)', assets: [{ qualifiedName: 'db/t', url: 'https://x.example/a|b>c', owner: null }] }));
      const fields = ofType<SectionBlock>(built.blocks, 'section')[0]!.fields!.map((f) => f.text);
      expect(fields).toContain('*Source*\nmontecarlo');
      expect(fields).toContain('*Asset*\n<https://x.example/a%7Cb%3Ec|db/t>');
    });

    it('stays within Block Kit limits: a 150-character header, fields of at most 2,000 characters with the rest counted', () => {
      const assets = Array.from({ length: 400 }, (_, i) => ({ qualifiedName: `warehouse/schema/table_${i}`, url: `https://tributary.example/v1/assets/${i}`, owner: null }));
      const built = incidentMessage(incidentNotice({ title: 'x'.repeat(400), assets }));
      expect(ofType<HeaderBlock>(built.blocks, 'header')[0]!.text.text.length).toBe(150);
      const assetField = ofType<SectionBlock>(built.blocks, 'section')[0]!.fields![4]!.text;
      expect(assetField.length).toBeLessThanOrEqual(2000);
      expect(assetField).toMatch(/^\*Assets\*\n<https:\/\/tributary\.example\/v1\/assets\/0\|warehouse\/schema\/table_0>\n/);
      const shown = assetField.split('\n').filter((l) => l.startsWith('<')).length;
      expect(assetField.endsWith(`\nand ${400 - shown} more`)).toBe(true);
    });
  });
});

describe('changeReply', () => {
  it('says what changed, when, and the state it left', () => {
    expect(changeReply(incidentNotice({ change: 'updated', severity: 'SEV-2', rawStatus: 'investigating', changedAt: new Date('2026-12-03T10:05:00Z') })).text)
      .toBe('Updated 2026-12-03 10:05:00 UTC: severity SEV-2, status Open (investigating)');
    expect(changeReply(incidentNotice({ change: 'resolved', status: 'resolved' })).text).toMatch(/^Resolved .*status Resolved$/);
  });
});

describe('digestMessage', () => {
  const window = { from: new Date('2026-12-03T10:00:00Z'), to: new Date('2026-12-03T10:01:00Z') };
  const incidents = (n: number) => Array.from({ length: n }, (_, i) => incidentNotice({ incidentId: `id-${i}`, title: `Volume drop ${i}`, severity: i % 2 ? 'SEV-2' : 'SEV-1' }));

  it('heads with the count and the window, and lists each incident with severity, title and first asset', () => {
    const built = digestMessage({ ...window, incidents: incidents(2) });
    expect(ofType<HeaderBlock>(built.blocks, 'header')[0]!.text.text).toBe('2 incidents');
    expect(words(built.blocks)).toContain('Between 2026-12-03 10:00:00 UTC and 2026-12-03 10:01:00 UTC');
    expect(ofType<SectionBlock>(built.blocks, 'section')[0]!.text!.text.split('\n')).toEqual([0, 1].map((i) =>
      `• [SEV-${i + 1}] *<https://getmontecarlo.com/alerts/7f1e|Volume drop ${i}>* on `
      + '<https://tributary.example/v1/assets/snowflake%2Facme%2FANALYTICS%2FPUBLIC%2FORDERS|snowflake/acme/ANALYTICS/PUBLIC/ORDERS>'));
    expect(built.text).toBe('2 incidents between 2026-12-03 10:00:00 UTC and 2026-12-03 10:01:00 UTC');
  });

  it('lists every incident while Slack\'s limits allow, and counts the rest instead of being refused', () => {
    const many = incidents(2000);
    const built = digestMessage({ ...window, incidents: many });
    expect(built.blocks!.length).toBeLessThanOrEqual(50);
    const sections = ofType<SectionBlock>(built.blocks, 'section');
    for (const s of sections) expect(s.text!.text.length).toBeLessThanOrEqual(3000);
    const listed = sections.flatMap((s) => s.text!.text.split('\n'));
    expect(listed[listed.length - 1]).toContain(`|Volume drop ${listed.length - 1}>*`);
    expect(words(built.blocks)).toContain(`and ${2000 - listed.length} more not listed here`);
  });

  it('has no "more" line when everything fits', () => {
    expect(words(digestMessage({ ...window, incidents: incidents(3) }).blocks)).not.toContain('more not listed');
  });
});

describe('escape', () => {
  it('writes the three characters Slack reads as markup as entities', () => {
    expect(escape('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });
});

describe('ownerLossMessage', () => {
  it('heads with how many assets lost their owner, says who and why, and links each listed asset, then counts the rest', () => {
    const message = ownerLossMessage(ownerLossNotice());
    expect(ofType<HeaderBlock>(message.blocks, 'header')[0]!.text.text).toBe('5 assets lost their owner');
    const sections = ofType<SectionBlock>(message.blocks, 'section').map((b) => b.text!.text);
    expect(sections[0]).toBe('Ana Lima (ana@example.com) was deactivated in the directory 2026-12-03 10:00:00 UTC; the assets owned by ana@example.com have no owner now.');
    expect(sections[1]!.split('\n')).toHaveLength(3);
    expect(sections[1]).toContain('<https://tributary.example/v1/assets/snowflake%2Facme%2FANALYTICS%2FPUBLIC%2FORDERS|snowflake/acme/ANALYTICS/PUBLIC/ORDERS> (Table)');
    expect(words(message.blocks)).toContain('and 2 more');
    expect(message.text).toBe('5 assets lost their owner: Ana Lima (ana@example.com) was deactivated');
  });

  it('names a group as one, and makes a name that tries to mention the channel inert', () => {
    const message = ownerLossMessage(ownerLossNotice({ kind: 'group', who: '<!channel> Data', owners: ['<!channel> Data'], reason: 'deleted', more: 0 }));
    expect(ofType<HeaderBlock>(message.blocks, 'header')[0]!.text.text).toBe('3 assets lost their owning group');
    expect(words(message.blocks)).not.toContain('<!channel>');
    expect(message.text).toContain('&lt;!channel&gt; Data was deleted');
    expect(words(message.blocks)).not.toContain('more');
  });
});
