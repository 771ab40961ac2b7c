import { apiApp } from '../../apps/api/src/api.app';
import { startFreshdeskFake } from '../support/fakes/freshdesk-fake';
import { startJiraFake } from '../support/fakes/jira-fake';
import { startSlackFake } from '../support/fakes/slack-fake';
import { startTeamsFake } from '../support/fakes/teams-fake';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Target connectors through the public API: created like sources (config checked per type, secrets
 * sealed and never returned), and `POST /v1/connectors/{id}/test` sends a test message or ticket to
 * the destination (here local fakes that follow the vendors' contracts) and answers its verdict.
 */
describe('target connectors', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const create = (type: string, config: Record<string, unknown>) =>
    t.http().post('/v1/connectors').set(auth()).send({ type, name: `${type} target`, config });
  const test = (id: string) => t.http().post(`/v1/connectors/${id}/test`).set(auth());

  beforeAll(async () => {
    t = await startTestApp({ parts: apiApp, config: { ...LOCAL_OUTBOUND_CONFIG } });
  });
  afterAll(async () => {
    await t.close();
  });

  const destinations = [
    { type: 'slack', start: () => startSlackFake({ rateLimit: false }) },
    { type: 'slack', start: () => startSlackFake({ mode: 'webhook', rateLimit: false }) },
    { type: 'teams', start: () => startTeamsFake() },
    { type: 'jira', start: () => startJiraFake() },
    { type: 'freshdesk', start: () => startFreshdeskFake() },
  ];

  it.each(destinations)('$type: is created with its secrets sealed, and its test reaches the destination', async ({ type, start }) => {
    const fake = await start();
    try {
      const created = await create(type, fake.config as Record<string, unknown>).expect(201);
      const shown = await t.http().get(`/v1/connectors/${created.body.id}`).set(auth()).expect(200);
      expect(shown.body.secrets.length).toBeGreaterThan(1);
      expect(shown.body.kind).toBe('target');
      for (const secret of fake.secrets) {
        expect(JSON.stringify(created.body)).not.toContain(secret);
        expect(JSON.stringify(shown.body)).not.toContain(secret);
      }
      const verdict = await test(created.body.id).expect(200);
      expect(verdict.body.ok).toBe(true);
      expect(fake.items()).toHaveLength(1);

      fake.failNext({ kind: 'permanent' });
      const refused = await test(created.body.id).expect(200);
      expect(refused.body.ok).toBe(false);
      expect(refused.body.detail.length).toBeGreaterThan(0);
      for (const secret of fake.secrets) expect(refused.body.detail).not.toContain(secret);
      expect(fake.items()).toHaveLength(1);
    } finally {
      await fake.stop();
    }
  });

  it('refuses a config that does not fit its type, naming the field', async () => {
    const slack = await create('slack', { botToken: 'not-a-bot-token', channel: '#incidents' }).expect(422);
    expect(slack.body.error.code).toBe('invalid_connector_config');
    expect(slack.body.error.message).toContain('botToken');
    const jira = await create('jira', { baseUrl: 'https://acme.atlassian.net', email: 'ops@example.com', apiToken: 'secret' }).expect(422);
    expect(jira.body.error.message).toContain('projectKey');
  });

  it('refuses a retired Office 365 connector URL for Teams, saying to use a Workflows webhook', async () => {
    const refused = await create('teams', { webhookUrl: 'https://acme.webhook.office.com/webhookb2/abc/IncomingWebhook/def/ghi' }).expect(422);
    expect(refused.body.error.message).toMatch(/retired/i);
    expect(refused.body.error.message).toMatch(/Workflows/i);
  });

  it('refuses a destination URL the outbound policy does not allow', async () => {
    const refused = await create('teams', { webhookUrl: 'https://example.org/powerautomate/automations/direct/workflows/1/triggers/manual/paths/invoke?sig=x' })
      .expect(422);
    expect(refused.body.error.code).toBe('outbound_url_refused');
  });

  it('refuses a filter or transform on a target: its rules decide what it is sent', async () => {
    const fake = await startTeamsFake();
    try {
      const refused = await create('teams', { ...fake.config, filter: 'true' }).expect(422);
      expect(refused.body.error.message).toContain('filter');
    } finally {
      await fake.stop();
    }
  });

  it('takes no webhooks for a Teams connector, which sends nothing back (Jira, Freshdesk and Slack send replies: replies.e2e.spec.ts)', async () => {
    const fake = await startTeamsFake();
    try {
      const { body } = await create('teams', fake.config as Record<string, unknown>).expect(201);
      const refused = await t.http().post(`/v1/hooks/teams/${body.id}`).set('Content-Type', 'application/json').send('{}').expect(404);
      expect(refused.body.error.code).toBe('no_webhooks');
    } finally {
      await fake.stop();
    }
  });

  it('has nothing to test for a source without API credentials, and says so', async () => {
    const { body } = await create('montecarlo', { mappings: [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }] }).expect(201);
    const refused = await test(body.id).expect(422);
    expect(refused.body.error.code).toBe('nothing_to_test');
  });
});
