import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createTopics, STREAMS, topicOf } from '@tributary/eventlog';
import { asTenantId } from '@tributary/store';
import { platformApp } from '../../apps/platform/src/platform.app';
import { JiraFake, startJiraFake } from '../support/fakes/jira-fake';
import { SlackFake, startSlackFake } from '../support/fakes/slack-fake';
import { incidentUpdateWebhook, incidentWebhook, signMonteCarlo } from '../support/montecarlo/webhooks';
import { LOCAL_OUTBOUND_CONFIG } from '../support/outbound';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait-for';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAPPINGS = [{ template: 'snowflake/acme/{database}/{schema}/{table}', case: 'upper' }];
const TABLES = ['orders', 'payments', 'customers', 'refunds'];

/**
 * Notify rules on the distributed engines: the change log on Kafka (the notifier its own consumer
 * group), delivery jobs on BullMQ (Redis), a Slack fake that enforces one message a second per
 * channel and a Jira fake. A burst of incidents to one channel is paced by the shared rate-limit
 * slots, each incident is one message and one issue, and later changes edit them.
 */
describe('Notifications on Kafka and BullMQ', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `tributary-notify-${run}`;
  const topics = STREAMS.map((s) => topicOf(s, asTenantId('default'), 'pooled', prefix));
  let t: TestApp;
  let slack: SlackFake;
  let jira: JiraFake;
  let mc: { id: string; signingSecret: string };
  const ids: Record<string, string> = {};
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const deliver = async (payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    await t.http().post(`/v1/hooks/montecarlo/${mc.id}`).set('Content-Type', 'application/json')
      .set('x-mcd-signature', signMonteCarlo(body, mc.signingSecret)).send(body).expect(202);
  };
  const incidentOf = (externalId: string) => waitFor(`incident ${externalId}`, async () =>
    ((await t.http().get('/v1/incidents?limit=100').set(auth())).body.items as { id: string; externalId: string }[])
      .find((i) => i.externalId === externalId), 60_000);
  const sent = (connectorId: string, incidentId: string, attempts: number) => waitFor(`the delivery to ${connectorId}`, async () =>
    ((await t.http().get(`/v1/deliveries?connectorId=${connectorId}&incident=${incidentId}`).set(auth())).body.items as
      { status: string; attempts: { outcome: string }[] }[]).find((d) => d.status === 'sent' && d.attempts.filter((a) => a.outcome === 'sent').length >= attempts),
  60_000);

  beforeAll(async () => {
    await createTopics(brokers, topics, 3, 3_600_000);
    t = await startTestApp({ parts: platformApp, config: {
      kafkaBrokers: brokers.join(','), topicPrefix: prefix, redisUrl, queuePrefix: `notify-${run}`, changeCapture: 'relay', reconcileMinutes: 0,
      ...LOCAL_OUTBOUND_CONFIG,
    } });
    [slack, jira] = await Promise.all([startSlackFake(), startJiraFake()]);
    await t.http().put('/v1/assets').set(auth()).send({ assets: TABLES.map((n) => ({ qualifiedName: `snowflake/acme/ANALYTICS/PUBLIC/${n.toUpperCase()}`, typeName: 'Table' })) })
      .expect(200);
    mc = (await t.http().post('/v1/connectors').set(auth()).send({ type: 'montecarlo', name: 'mc', config: { mappings: MAPPINGS } }).expect(201)).body;
    for (const [type, fake] of Object.entries({ slack, jira })) {
      ids[type] = (await t.http().post('/v1/connectors').set(auth()).send({ type, name: type, config: fake.config }).expect(201)).body.id;
      await t.http().post('/v1/rules').set(auth()).send({ name: `to ${type}`, trigger: ['incident.opened', 'incident.updated', 'incident.resolved'],
        action: { type: 'notify', connectorId: ids[type] } }).expect(201);
    }
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([slack?.stop(), jira?.stop()]);
    const admin = new Kafka({ clientId: 'notifications-spec', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('tells Slack and Jira once per incident, paced to Slack\'s limit, and edits what it told on a change', async () => {
    const externalIds = TABLES.map(() => randomUUID());
    for (const [i, externalId] of externalIds.entries()) await deliver(incidentWebhook({ incidentId: externalId, tables: [`analytics:public.${TABLES[i]}`] }));
    const incidents = await Promise.all(externalIds.map(incidentOf));
    for (const i of incidents) {
      await sent(ids.slack, i.id, 1);
      await sent(ids.jira, i.id, 1);
    }
    expect(slack.messages()).toHaveLength(TABLES.length);
    expect(jira.issues()).toHaveLength(TABLES.length);
    for (const i of incidents) expect(jira.issues().filter((issue) => issue.labels.includes(`tributary-incident-${i.id}`))).toHaveLength(1);
    // four messages to one channel at once would each have met the fake's limit after the first (three 429s at
    // least): the shared slots spaced them, so at most a clock's edge between the two meets it
    expect(slack.rateLimitedCount()).toBeLessThan(TABLES.length - 1);

    await deliver(incidentUpdateWebhook({ incidentId: externalIds[0], feedback: 'fixed' }));
    await sent(ids.slack, incidents[0].id, 2);
    await sent(ids.jira, incidents[0].id, 2);
    expect(slack.messages()).toHaveLength(TABLES.length);
    expect(jira.issues()).toHaveLength(TABLES.length);
    const issue = jira.issues().find((x) => x.labels.includes(`tributary-incident-${incidents[0].id}`))!;
    expect(issue.statusCategory).toBe('done');
  });
});
