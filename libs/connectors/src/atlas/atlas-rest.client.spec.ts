import { OutboundError, OutboundHttp } from '@tributary/outbound';
import { localOutbound } from '../../../../test/support/outbound';
import { AtlasFake, AtlasFakeEnvelope, startAtlasFake } from '../../../../test/support/fakes/atlas-fake';
import { AtlasApiError } from './atlas-api';
import { AtlasFlavour } from './atlas-config';
import { AtlasRestClient } from './atlas-rest.client';

const http = localOutbound();
const admin = { user: 'admin' };

/** The error a call threw, for assertions on its fields. */
async function failure(call: Promise<unknown>): Promise<AtlasApiError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AtlasApiError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe.each<AtlasFlavour>(['atlas', 'atlan'])('AtlasRestClient (%s)', (flavour) => {
  let fake: AtlasFake;
  let client: AtlasRestClient;
  let notifications: AtlasFakeEnvelope[];
  beforeEach(async () => {
    notifications = [];
    fake = await startAtlasFake({ flavour, tagTypes: ['PII', 'Tier1'], onNotification: (n) => notifications.push(n) });
    client = new AtlasRestClient(flavour, fake.config(), http);
  });
  afterEach(async () => {
    await fake.stop();
  });
  const table = (qualifiedName: string) => fake.seed.entity(admin, { typeName: 'Table', qualifiedName, name: qualifiedName.split('.').pop() });

  describe('addressing and identity', () => {
    it(`calls ${flavour === 'atlas' ? '/api/atlas/v2 with Basic' : '/api/meta with Bearer'} and marks every call as the bridge's`, async () => {
      const guid = table('db.sales.orders');
      await client.entityByGuid(guid);
      const [request] = fake.requests;
      expect(request.path).toBe(`${flavour === 'atlas' ? '/api/atlas/v2' : '/api/meta'}/entity/guid/${guid}`);
      expect(request.headers.authorization).toMatch(flavour === 'atlas' ? /^Basic / : /^Bearer /);
      expect(request.user).toBe(fake.serviceUser);
      expect(request.headers['x-atlan-agent-id']).toBe('tributary');
      expect(request.headers['x-atlan-request-id']).toMatch(/^trib-[0-9a-f-]{36}$/);
    });

    it('sends a fresh request id on each call', async () => {
      const guid = table('db.sales.orders');
      await client.entityByGuid(guid);
      await client.entityByGuid(guid);
      expect(fake.requests[0].headers['x-atlan-request-id']).not.toBe(fake.requests[1].headers['x-atlan-request-id']);
    });
  });

  describe('reads', () => {
    it('reads an entity by guid and by type and qualifiedName; a missing one is null', async () => {
      const guid = table('db.sales.orders');
      expect(await client.entityByGuid(guid)).toMatchObject({ guid, typeName: 'Table', attributes: { qualifiedName: 'db.sales.orders', name: 'orders' }, createdBy: 'admin' });
      expect(await client.entityByQualifiedName('Table', 'db.sales.orders')).toMatchObject({ guid });
      expect(await client.entityByGuid('00000000-0000-0000-0000-000000000000')).toBeNull();
      expect(await client.entityByQualifiedName('Table', 'db.sales.nothing')).toBeNull();
    });

    it("reads a Process's inputs and outputs as related objects", async () => {
      const a = table('db.a');
      const b = table('db.b');
      const p = fake.seed.process(admin, { qualifiedName: 'etl/a-to-b', inputs: [a], outputs: [b] });
      const process = await client.entityByGuid(p);
      expect(process?.relationshipAttributes?.inputs).toEqual([expect.objectContaining({ guid: a, typeName: 'Table', entityStatus: 'ACTIVE', relationshipStatus: 'ACTIVE' })]);
      expect(process?.relationshipAttributes?.outputs).toEqual([expect.objectContaining({ guid: b })]);
    });

    it("lists the tag types by catalog name and display name (Atlan's names are hashed)", async () => {
      const types = await client.classificationTypes();
      expect(types).toEqual(expect.arrayContaining([{ name: fake.tagName('PII'), displayName: 'PII' }, { name: fake.tagName('Tier1'), displayName: 'Tier1' }]));
      if (flavour === 'atlan') expect(fake.tagName('PII')).not.toBe('PII');
      else expect(fake.tagName('PII')).toBe('PII');
    });

    it('pages a search by offset with the approximate count', async () => {
      for (let i = 0; i < 5; i += 1) table(`db.t${i}`);
      fake.seed.entity(admin, { typeName: 'Column', qualifiedName: 'db.t0.c' });
      const first = await client.search({ typeNames: ['Table'], offset: 0, limit: 2 });
      const last = await client.search({ typeNames: ['Table'], offset: 4, limit: 2 });
      expect(first.approximateCount).toBe(5);
      expect(first.entities.map((e) => e.attributes.qualifiedName)).toEqual(['db.t0', 'db.t1']);
      expect(last.entities.map((e) => e.attributes.qualifiedName)).toEqual(['db.t4']);
    });
  });

  describe('bulk', () => {
    it('creates with placeholder guids and reports the assignments', async () => {
      const answer = await client.bulk([{ typeName: 'Table', guid: '-1', attributes: { qualifiedName: 'db.new', name: 'new' } }]);
      const guid = answer.guidAssignments?.['-1'];
      expect(guid).toEqual(expect.any(String));
      expect(answer.mutatedEntities?.CREATE).toEqual([expect.objectContaining({ guid, typeName: 'Table' })]);
      expect(fake.entity(guid!)).toMatchObject({ createdBy: fake.serviceUser, attributes: { qualifiedName: 'db.new' } });
    });

    it('writes only the attributes present, clears on null, and skips an update that changes nothing', async () => {
      const guid = table('db.orders');
      fake.seed.update(admin, guid, { description: 'kept', announcementType: 'information' });
      notifications.length = 0;
      const update = { typeName: 'Table', attributes: { qualifiedName: 'db.orders', name: 'orders', announcementType: null, assetMcIncidentNames: ['late'] } };
      const first = await client.bulk([update]);
      expect(first.mutatedEntities?.UPDATE).toEqual([expect.objectContaining({ guid })]);
      expect(fake.entity(guid)?.attributes).toEqual({ qualifiedName: 'db.orders', name: 'orders', description: 'kept', assetMcIncidentNames: ['late'] });
      expect(fake.entity(guid)?.updatedBy).toBe(fake.serviceUser);
      expect(notifications.map((n) => n.message.operationType)).toEqual(['ENTITY_UPDATE']);

      const again = await client.bulk([update]);
      expect(again.mutatedEntities).toEqual({});
      expect(notifications).toHaveLength(1);
    });

    it('applies tags in the same call with appendTags (Atlan); upstream ignores tags on update', async () => {
      const guid = table('db.orders');
      const pii = fake.tagName('PII');
      await client.bulk([{ typeName: 'Table', attributes: { qualifiedName: 'db.orders', name: 'orders' }, addOrUpdateClassifications: [{ typeName: pii, propagate: false }] }], { appendTags: true });
      if (flavour === 'atlan') {
        expect(fake.entity(guid)?.classifications).toEqual([expect.objectContaining({ typeName: pii, entityGuid: guid, propagate: false })]);
        expect(notifications.at(-1)?.message).toMatchObject({ operationType: 'CLASSIFICATION_ADD', mutatedDetails: [expect.objectContaining({ typeName: pii })] });
        await client.bulk([{ typeName: 'Table', attributes: { qualifiedName: 'db.orders', name: 'orders' }, removeClassifications: [{ typeName: pii }] }], { appendTags: true });
        expect(fake.entity(guid)?.classifications).toEqual([]);
      } else {
        expect(fake.entity(guid)?.classifications).toEqual([]);
      }
    });
  });

  describe('tags', () => {
    it('adds a direct tag with propagate as given, then removes it; removing a tag not there is not an error', async () => {
      const guid = table('db.orders');
      const entity = { typeName: 'Table', qualifiedName: 'db.orders' };
      await client.addClassifications(entity, [{ typeName: fake.tagName('PII'), propagate: false }]);
      expect(fake.entity(guid)?.classifications).toEqual([expect.objectContaining({ typeName: fake.tagName('PII'), entityGuid: guid, propagate: false })]);
      await client.removeClassification(entity, fake.tagName('PII'));
      expect(fake.entity(guid)?.classifications).toEqual([]);
      await expect(client.removeClassification(entity, fake.tagName('PII'))).resolves.toBeUndefined();
      expect(notifications.slice(-2).map((n) => n.message.operationType)).toEqual(['CLASSIFICATION_ADD', 'CLASSIFICATION_DELETE']);
    });
  });

  describe('errors', () => {
    it('a duplicate direct tag is 400 ATLAS-400-00-01A, not retryable', async () => {
      const guid = table('db.orders');
      fake.seed.addTag(admin, guid, 'PII');
      const error = await failure(client.addClassifications({ typeName: 'Table', qualifiedName: 'db.orders' }, [{ typeName: fake.tagName('PII') }]));
      expect(error).toMatchObject({ status: 400, errorCode: 'ATLAS-400-00-01A', retryable: false });
      expect(error.message).toContain('already associated with classification');
    });

    it('checks a tag add in Atlas order: type, entity, tag type', async () => {
      table('db.orders');
      const unknownType = await failure(client.addClassifications({ typeName: 'NoSuchType', qualifiedName: 'db.orders' }, [{ typeName: fake.tagName('PII') }]));
      const unknownEntity = await failure(client.addClassifications({ typeName: 'Table', qualifiedName: 'db.none' }, [{ typeName: fake.tagName('PII') }]));
      const unknownTag = await failure(client.addClassifications({ typeName: 'Table', qualifiedName: 'db.orders' }, [{ typeName: 'NoSuchTag' }]));
      expect([unknownType.errorCode, unknownEntity.errorCode, unknownTag.errorCode]).toEqual(['ATLAS-400-00-014', 'ATLAS-404-00-009', 'ATLAS-404-00-008']);
      expect(unknownEntity.message).toBe('404 ATLAS-404-00-009: Instance Table with unique attribute {qualifiedName=db.none} does not exist');
    });

    it('an unknown type in a bulk is 400 ATLAS-400-00-014 and a dangling reference 404 ATLAS-404-00-00A; nothing is written', async () => {
      const a = table('db.a');
      const badType = await failure(client.bulk([{ typeName: 'Table', attributes: { qualifiedName: 'db.x', name: 'x' } }, { typeName: 'Nope', attributes: { qualifiedName: 'y' } }]));
      expect(badType).toMatchObject({ status: 400, errorCode: 'ATLAS-400-00-014', retryable: false });
      const dangling = await failure(client.bulk([{ typeName: 'Process', guid: '-1', attributes: { qualifiedName: 'p', name: 'p', inputs: [{ guid: a }], outputs: [{ typeName: 'Table', uniqueAttributes: { qualifiedName: 'db.missing' } }] } }]));
      expect(dangling).toMatchObject({ status: 404, errorCode: 'ATLAS-404-00-00A', retryable: false });
      expect([...fake.entities.values()].map((e) => e.attributes.qualifiedName)).toEqual(['db.a']);
    });

    it('a body Atlas cannot map is 400 {"error": …}', async () => {
      const raw: OutboundHttp = { check() {}, request: (r) => http.request({ ...r, body: '{not json' }) };
      const error = await failure(new AtlasRestClient(flavour, fake.config(), raw).bulk([]));
      expect(error).toMatchObject({ status: 400, errorCode: null, retryable: false });
      expect(error.message).toMatch(/^400: Unrecognized token/);
    });

    it(`refused credentials are 401 (${flavour === 'atlas' ? "Jetty's HTML page" : 'a JSON body'}) and never show the credential`, async () => {
      const config = fake.config(flavour === 'atlas' ? { auth: { username: 'tributary', password: 'wrong-password-1' } } : { apiToken: 'wrong-token-1' });
      const error = await failure(new AtlasRestClient(flavour, config, http).entityByGuid('x'));
      expect(error).toMatchObject({ status: 401, errorCode: null, retryable: false });
      expect(error.message).toBe(flavour === 'atlas' ? '401: Error 401 Unauthorized' : '401: Unauthorized');
      expect(fake.requests[0].status).toBe(401);
      expect(error.message).not.toMatch(/wrong-(password|token)/);
    });

    it('a 429 is retryable with the wait Retry-After asks (seconds or an HTTP date)', async () => {
      fake.fail({ status: 429, retryAfter: '7' });
      const seconds = await failure(client.entityByGuid('x'));
      expect(seconds).toMatchObject({ status: 429, retryable: true, retryAfterMs: 7000 });
      fake.fail({ status: 429, retryAfter: new Date(Date.now() + 60_000).toUTCString() });
      const date = await failure(client.bulk([]));
      expect(date.retryAfterMs).toBeGreaterThan(50_000);
      fake.fail({ status: 429 });
      expect(await failure(client.entityByGuid('x'))).toMatchObject({ retryable: true, retryAfterMs: null });
    });

    it("reads Atlan's unknown 429 body and a gateway's HTML 503", async () => {
      fake.fail({ status: 429, body: { message: 'API rate limit exceeded' } });
      expect((await failure(client.entityByGuid('x'))).message).toBe('429: API rate limit exceeded');
      fake.fail({ status: 503 });
      expect(await failure(client.entityByGuid('x'))).toMatchObject({ status: 503, retryable: true, message: '503: 503 Service Temporarily Unavailable' });
    });

    it('a 500 is retryable on the idempotent calls the bridge makes', async () => {
      fake.fail({ status: 500, times: 3 });
      expect(await failure(client.entityByGuid('x'))).toMatchObject({ status: 500, errorCode: 'ATLAS-500-00-001', retryable: true });
      expect(await failure(client.bulk([]))).toMatchObject({ status: 500, retryable: true });
      expect(await failure(client.addClassifications({ typeName: 'Table', qualifiedName: 'q' }, []))).toMatchObject({ status: 500, retryable: true });
    });

    it("keeps Atlan's extra error fields in the message", async () => {
      fake.fail({ status: 400, body: { errorCode: 'ATLAS-400-00-055', errorMessage: 'Entity x cannot be classified by Classification PII', errorCause: 'restricted', causes: [{ errorMessage: 'type restriction' }] } });
      expect((await failure(client.entityByGuid('x'))).message).toBe('400 ATLAS-400-00-055: Entity x cannot be classified by Classification PII; restricted; type restriction');
    });

    it('an unreachable catalog is status 0, retryable', async () => {
      const down: OutboundHttp = { check() {}, request: async () => { throw new OutboundError('outbound_unreachable', 'connection refused'); } };
      expect(await failure(new AtlasRestClient(flavour, fake.config(), down).entityByGuid('x')))
        .toMatchObject({ status: 0, errorCode: null, retryable: true, message: 'outbound_unreachable: connection refused' });
      const refused: OutboundHttp = { check() {}, request: async () => { throw new OutboundError('outbound_url_refused', 'host not allowed', 'host'); } };
      expect(await failure(new AtlasRestClient(flavour, fake.config(), refused).entityByGuid('x'))).toMatchObject({ retryable: false });
    });
  });

  describe('notifications of the fake', () => {
    it('wraps each change in an AtlasNotificationMessage with the header the contract describes', async () => {
      const guid = table('db.orders');
      await client.bulk([{ typeName: 'Table', attributes: { qualifiedName: 'db.orders', name: 'orders', assetMcIncidentNames: ['late'], userDescription: 'x' } }]);
      const [create, update] = notifications;
      expect(create).toMatchObject({
        source: {}, version: { version: '1.0.0', versionParts: [1] }, msgCompressionKind: 'NONE', msgSplitIdx: 1, msgSplitCount: 1, msgCreatedBy: '', spooled: false,
        message: { type: 'ENTITY_NOTIFICATION_V2', operationType: 'ENTITY_CREATE', entity: { guid, typeName: 'Table', status: 'ACTIVE' } },
      });
      expect(update.message.entity.attributes).not.toHaveProperty('userDescription');
      if (flavour === 'atlan') {
        expect(update.message.entity).toMatchObject({ updatedBy: fake.serviceUser, attributes: { assetMcIncidentNames: ['late'] } });
        expect(update.message.mutatedDetails).toMatchObject({ attributes: { assetMcIncidentNames: ['late'], userDescription: 'x' }, updatedBy: fake.serviceUser });
        expect(update.message.headers).toMatchObject({ 'x-atlan-agent-id': 'tributary', 'x-atlan-request-id': expect.stringMatching(/^trib-/) });
      } else {
        expect(update.message.entity).not.toHaveProperty('updatedBy');
        expect(update.message.entity.attributes).not.toHaveProperty('assetMcIncidentNames');
        expect(update.message).not.toHaveProperty('headers');
      }
    });
  });
});
