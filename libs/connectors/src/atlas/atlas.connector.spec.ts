import { gzipSync } from 'node:zlib';
import type { InboundDelivery } from '@tributary/contracts';
import { AtlasApi, AtlasApiError, AtlasEntity } from './atlas-api';
import { AtlanConfig, AtlasConfig } from './atlas-config';
import { AtlasEntityFact, ATLAS_ENTITY_FACT } from './atlas-fact';
import { ATLAS_ENTITY_TYPE, atlasHistory } from './atlas-history.source';
import { atlanConnector, atlasConnector } from './atlas.connector';
import { ATLAN_VALIDATION_PING } from './atlas-normalizer';
import { NormalizeError, SourceFailed, SourceRateLimited } from '../source-connector';

const ATLAS = AtlasConfig.parse({ baseUrl: 'http://atlas.acme.io:21000', auth: { username: 'tributary', password: 'pw' } });
const SERVICE_USER = 'service-account-apikey-0b9e7a1c';
const ATLAN = AtlanConfig.parse({ baseUrl: 'https://acme.atlan.com', apiToken: 'tok', serviceUser: SERVICE_USER });
const GUID = '6a3c1f0e-0000-4000-8000-000000000001';
const OTHER = '6a3c1f0e-0000-4000-8000-000000000002';

/** An entity header as a notification carries it (§1.4), with the given changes. */
const header = (extra: Record<string, unknown> = {}) => ({
  typeName: 'Table', guid: GUID, status: 'ACTIVE', displayText: 'orders',
  attributes: { qualifiedName: 'default/snowflake/1666769582/ANALYTICS/PUBLIC/ORDERS', name: 'orders', description: 'all orders', owner: 'ana', createTime: 1 },
  classificationNames: [], classifications: [], isIncomplete: false, ...extra,
});
const notification = (operationType: string, entity: Record<string, unknown> = header(), extra: Record<string, unknown> = {}) => ({
  type: 'ENTITY_NOTIFICATION_V2', entity, operationType, eventTime: 1_764_000_000_000, ...extra,
});
/** The envelope Atlas sends whole (§1.2). */
const envelope = (message: unknown) => ({
  source: {}, version: { version: '1.0.0', versionParts: [1] }, msgCompressionKind: 'NONE', msgSplitIdx: 1, msgSplitCount: 1,
  msgSourceIP: '10.20.30.40', msgCreatedBy: '', msgCreationTime: 1_764_000_000_187, spooled: false, message,
});
/** The same compressed (§1.3 step 2): base64 of the gzipped compact JSON. */
const gzipped = (message: unknown) => ({
  version: { version: '1.0.0', versionParts: [1] }, msgId: 'b7d1_1', msgCompressionKind: 'GZIP', msgSplitIdx: 1, msgSplitCount: 1,
  message: gzipSync(Buffer.from(JSON.stringify(envelope(message)))).toString('base64'),
});
const delivery = (body: unknown, contentType = 'application/json'): InboundDelivery => ({
  id: 'd-1', tenant: 'default', connectorId: 'c-1', connectorType: 'atlas', via: 'webhook', receivedAt: new Date('2026-12-04T00:00:00Z'),
  contentType, body: typeof body === 'string' ? body : JSON.stringify(body), traceparent: null,
});

function factOf(normalized: ReturnType<typeof atlasConnector.normalize>): AtlasEntityFact {
  if ('ignored' in normalized) throw new Error(`ignored: ${normalized.ignored.reason}`);
  expect(normalized.facts).toHaveLength(1);
  expect(normalized.facts![0].kind).toBe(ATLAS_ENTITY_FACT);
  return normalized.facts![0].value as AtlasEntityFact;
}
const ignoredReason = (normalized: ReturnType<typeof atlasConnector.normalize>) => ('ignored' in normalized ? normalized.ignored.reason : null);

describe('atlasConnector and atlanConnector', () => {
  describe('normalize: each operation', () => {
    it.each(['ENTITY_CREATE', 'ENTITY_UPDATE', 'CLASSIFICATION_ADD', 'CLASSIFICATION_UPDATE', 'BUSINESS_ATTRIBUTE_UPDATE'])(
      '%s becomes an entity fact of the mapped type, with the kept attributes', (operation) => {
        const fact = factOf(atlasConnector.normalize(delivery(envelope(notification(operation))), ATLAS));
        expect(fact).toEqual({
          flavour: 'atlas', operationType: operation, eventTime: 1_764_000_000_000, guid: GUID, typeName: 'Table', assetType: 'table', isProcess: false,
          catalogQualifiedName: 'default/snowflake/1666769582/ANALYTICS/PUBLIC/ORDERS', qualifiedName: 'default/snowflake/1666769582/ANALYTICS/PUBLIC/ORDERS',
          name: 'orders', status: 'ACTIVE', attributes: { description: 'all orders', owner: 'ana' }, directTags: [], updatedBy: null,
        });
      });

    it('ENTITY_DELETE keeps the header\'s status (DELETED)', () => {
      const fact = factOf(atlasConnector.normalize(delivery(envelope(notification('ENTITY_DELETE', header({ status: 'DELETED' })))), ATLAS));
      expect([fact.operationType, fact.status]).toEqual(['ENTITY_DELETE', 'DELETED']);
    });

    it('a CLASSIFICATION_DELETE whose header lists no classifications left says the entity has none', () => {
      const { classifications: _c, ...bare } = header();
      expect(factOf(atlasConnector.normalize(delivery(envelope(notification('CLASSIFICATION_DELETE', bare))), ATLAS)).directTags).toEqual([]);
      // an update without the list says nothing about tags
      expect(factOf(atlasConnector.normalize(delivery(envelope(notification('ENTITY_UPDATE', bare))), ATLAS)).directTags).toBeNull();
    });

    /** A relationship notification (§1.4: AtlasRelationshipHeader, its ends AtlasObjectIds) as Atlas sends it with relationships enabled. */
    const relationship = (operationType: string, end1: Record<string, unknown>, end2: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: 'ENTITY_NOTIFICATION_V2', operationType, eventTime: 1_764_000_000_500,
      relationship: { typeName: 'dataset_process_inputs', guid: 'r-1', status: 'ACTIVE', propagateTags: 'TWO_TO_ONE', label: '__Process.inputs', end1, end2 },
      ...extra,
    });
    const processEnd = { guid: GUID, typeName: 'hive_process', uniqueAttributes: { qualifiedName: 'sales.load_orders@prod' } };
    const tableEnd = { guid: OTHER, typeName: 'hive_table', uniqueAttributes: { qualifiedName: 'sales.raw_orders@prod' } };

    it('a relationship made or removed at a process is that process to read again: its fact names it, and says nothing of its name or tags', () => {
      for (const operation of ['RELATIONSHIP_CREATE', 'RELATIONSHIP_DELETE', 'RELATIONSHIP_UPDATE']) {
        // the process at either end
        for (const [end1, end2] of [[processEnd, tableEnd], [tableEnd, processEnd]]) {
          expect(factOf(atlasConnector.normalize(delivery(envelope(relationship(operation, end1, end2))), ATLAS))).toEqual({
            flavour: 'atlas', operationType: operation, eventTime: 1_764_000_000_500, guid: GUID, typeName: 'hive_process', assetType: null, isProcess: true,
            catalogQualifiedName: 'sales.load_orders@prod', qualifiedName: 'sales.load_orders@prod', name: null, status: 'ACTIVE', attributes: {},
            directTags: null, updatedBy: null,
          });
        }
      }
      // the connector's prefix and process types apply as to any notification
      const prefixed = AtlasConfig.parse({ ...ATLAS, qualifiedNamePrefix: 'atlas/', processTypes: ['etl_job'] });
      const custom = relationship('RELATIONSHIP_CREATE', { ...processEnd, typeName: 'etl_job' }, tableEnd);
      expect(factOf(atlasConnector.normalize(delivery(envelope(custom)), prefixed)).qualifiedName).toBe('atlas/sales.load_orders@prod');
      expect(ignoredReason(atlasConnector.normalize(delivery(envelope(relationship('RELATIONSHIP_CREATE', processEnd, tableEnd))), prefixed)))
        .toBe('relationship_notification');
    });

    it('a relationship at a process that cannot be named is refused with the reason; one with no process at an end is ignored', () => {
      const { uniqueAttributes: _u, ...unnamed } = processEnd;
      expect(() => atlasConnector.normalize(delivery(envelope(relationship('RELATIONSHIP_CREATE', unnamed, tableEnd))), ATLAS))
        .toThrow(new NormalizeError('a RELATIONSHIP_CREATE notification (dataset_process_inputs) whose process end has no guid or no uniqueAttributes.qualifiedName: the process cannot be named'));
      expect(() => atlasConnector.normalize(delivery(envelope(relationship('RELATIONSHIP_CREATE', processEnd, tableEnd, { eventTime: 'yesterday' }))), ATLAS))
        .toThrow(new NormalizeError('the notification has no numeric eventTime'));
      expect(() => atlasConnector.normalize(delivery(envelope({ type: 'ENTITY_NOTIFICATION_V2', operationType: 'RELATIONSHIP_DELETE', eventTime: 1 })), ATLAS))
        .toThrow(new NormalizeError('a RELATIONSHIP_DELETE notification without a relationship'));
      // a term assigned to a table, a column's: nothing of lineage
      const term = { guid: 'g-term', typeName: 'AtlasGlossaryTerm', uniqueAttributes: { qualifiedName: 'pii@glossary' } };
      expect(atlasConnector.normalize(delivery(envelope(relationship('RELATIONSHIP_CREATE', term, tableEnd))), ATLAS)).toEqual({
        ignored: { reason: 'relationship_notification', action: 'RELATIONSHIP_CREATE', type: 'dataset_process_inputs', version: '1.0.0' } });
      expect(ignoredReason(atlasConnector.normalize(delivery(envelope(relationship('RELATIONSHIP_CREATE', { guid: GUID }, { guid: OTHER }))), ATLAS)))
        .toBe('relationship_notification');
    });

    it('unknown operations are ignored, never a failure', () => {
      expect(atlasConnector.normalize(delivery(envelope(notification('ENTITY_TELEPORT'))), ATLAS)).toEqual({
        ignored: { reason: 'unsupported_operation', action: 'ENTITY_TELEPORT', type: 'Table', version: '1.0.0' } });
      expect(ignoredReason(atlasConnector.normalize(delivery(envelope({ ...notification('ENTITY_CREATE'), type: 'ENTITY_NOTIFICATION_V1' })), ATLAS)))
        .toBe('unsupported_version');
    });

    it('an old-style payload without an envelope is read as the notification itself', () => {
      expect(factOf(atlasConnector.normalize(delivery(notification('ENTITY_CREATE')), ATLAS)).guid).toBe(GUID);
    });
  });

  describe('normalize: types', () => {
    it('a type in neither the mapping nor the defaults is `other`; one mapped to null is ignored; the connector\'s mapping wins', () => {
      const of = (typeName: string, config: AtlasConfig = ATLAS) => atlasConnector.normalize(delivery(envelope(notification('ENTITY_CREATE', header({ typeName })))), config);
      expect(factOf(of('LookerDashboard')).assetType).toBe('other');
      expect(ignoredReason(of('Column'))).toBe('unmapped_type');
      // column-level lineage: neither an asset nor table lineage
      expect(ignoredReason(of('ColumnProcess'))).toBe('unmapped_type');
      const mapped = AtlasConfig.parse({ ...ATLAS, entityTypes: { LookerDashboard: 'dashboard', Table: null } });
      expect(factOf(of('LookerDashboard', mapped)).assetType).toBe('dashboard');
      expect(ignoredReason(of('Table', mapped))).toBe('unmapped_type');
    });

    it('a process type is lineage: no asset type', () => {
      const fact = factOf(atlasConnector.normalize(delivery(envelope(notification('ENTITY_CREATE', header({ typeName: 'hive_process' })))), ATLAS));
      expect([fact.isProcess, fact.assetType]).toEqual([true, null]);
    });

    it('the connector\'s prefix makes the asset\'s qualified name; only keepAttributes are kept', () => {
      const config = AtlasConfig.parse({ ...ATLAS, qualifiedNamePrefix: 'atlas/', keepAttributes: ['owner'] });
      const fact = factOf(atlasConnector.normalize(delivery(envelope(notification('ENTITY_UPDATE'))), config));
      expect(fact.qualifiedName).toBe('atlas/default/snowflake/1666769582/ANALYTICS/PUBLIC/ORDERS');
      expect(fact.catalogQualifiedName).toBe('default/snowflake/1666769582/ANALYTICS/PUBLIC/ORDERS');
      expect(fact.attributes).toEqual({ owner: 'ana' });
    });
  });

  describe('normalize: tags', () => {
    it('direct tags are those attached to the entity itself; a propagated copy (another entityGuid) is never imported', () => {
      const entity = header({ classifications: [
        { typeName: 'PII', entityGuid: GUID, propagate: true },
        { typeName: 'Finance', entityGuid: OTHER, propagate: true },
        { typeName: 'Gold' },
        { typeName: 'PII', entityGuid: GUID },
      ] });
      expect(factOf(atlasConnector.normalize(delivery(envelope(notification('CLASSIFICATION_ADD', entity))), ATLAS)).directTags).toEqual(['Gold', 'PII']);
    });
  });

  describe('normalize: encodings and bad input', () => {
    it('a GZIP message is read as the envelope it holds', () => {
      expect(factOf(atlasConnector.normalize(delivery(gzipped(notification('ENTITY_CREATE'))), ATLAS)).guid).toBe(GUID);
    });

    it.each([
      ['corrupt base64', { ...gzipped(notification('ENTITY_CREATE')), message: 'not*base64!' }, /not base64/],
      ['corrupt GZIP', { ...gzipped(notification('ENTITY_CREATE')), message: Buffer.from('plain bytes, no gzip').toString('base64') }, /does not gunzip/],
      ['a body that is not JSON', '{"version": ', /not JSON/],
      ['a newer envelope version', { ...envelope(notification('ENTITY_CREATE')), version: { version: '2.0.0', versionParts: [2] } }, /newer message version/],
      ['a split part', { version: { version: '1.0.0' }, msgId: 'm_1', msgCompressionKind: 'GZIP', msgSplitIdx: 0, msgSplitCount: 2, message: 'H4sI' }, /split message m_1/],
      ['an entity without a guid', envelope(notification('ENTITY_CREATE', header({ guid: undefined }))), /no guid/],
      ['an entity without a qualifiedName', envelope(notification('ENTITY_CREATE', header({ attributes: { name: 'x' } }))), /no qualifiedName/],
      ['no eventTime', envelope({ ...notification('ENTITY_CREATE'), eventTime: 'yesterday' }), /eventTime/],
      ['an unknown status', envelope(notification('ENTITY_CREATE', header({ status: 'ZOMBIE' }))), /unknown status/],
    ])('%s is a NormalizeError naming why (a dead letter)', (_what, body, reason) => {
      expect(() => atlasConnector.normalize(delivery(body), ATLAS)).toThrow(NormalizeError);
      expect(() => atlasConnector.normalize(delivery(body), ATLAS)).toThrow(reason);
    });

    it('an unknown content type is a NormalizeError', () => {
      expect(() => atlasConnector.normalize(delivery(envelope(notification('ENTITY_CREATE')), 'text/csv'), ATLAS)).toThrow(/unknown content type/);
    });
  });

  describe('normalize: Atlan\'s own-write detection (§5 rule 3)', () => {
    const atlan = (entity: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      atlanConnector.normalize(delivery(envelope(notification('ENTITY_UPDATE', entity, extra))), ATLAN);

    it('the entity\'s updatedBy, or mutatedDetails\' updatedBy, equal to the service user is the bridge\'s own write', () => {
      expect(ignoredReason(atlan(header({ updatedBy: SERVICE_USER })))).toBe('own_write');
      expect(ignoredReason(atlan(header({ updatedBy: 'ana' }), { mutatedDetails: { guid: GUID, updatedBy: SERVICE_USER } }))).toBe('own_write');
    });

    it('x-atlan-agent-id: tributary echoed in the headers is the bridge\'s own write', () => {
      expect(ignoredReason(atlan(header({ updatedBy: 'ana' }), { headers: { 'x-atlan-agent-id': 'tributary', 'x-atlan-request-id': 'trib-1' } }))).toBe('own_write');
    });

    it('a person\'s change is applied, with who made it', () => {
      const fact = factOf(atlan(header({ updatedBy: 'ana' }), { headers: { 'x-atlan-via-ui': 'true' }, mutatedDetails: { updatedBy: 'ana' } }));
      expect([fact.flavour, fact.updatedBy]).toEqual(['atlan', 'ana']);
    });
  });

  describe('Atlan webhooks: signature and validation ping', () => {
    const ping = Buffer.from(JSON.stringify(ATLAN_VALIDATION_PING).replace(/":"/, '": "'));
    const body = Buffer.from(JSON.stringify(envelope(notification('ENTITY_CREATE'))));

    it('x-atlan-signing-secret must equal the connector\'s secret', () => {
      expect(atlanConnector.verifySignature(body, { 'x-atlan-signing-secret': 's3cret-s3cret-s3cret' }, 's3cret-s3cret-s3cret')).toBe(true);
      expect(atlanConnector.verifySignature(body, { 'x-atlan-signing-secret': 's3cret-s3cret-s3creT' }, 's3cret-s3cret-s3cret')).toBe(false);
      expect(atlanConnector.verifySignature(body, {}, 's3cret-s3cret-s3cret')).toBe(false);
    });

    it('only the exact validation ping is taken without a secret, and normalizes to ignored', () => {
      expect(atlanConnector.verifySignature(ping, {}, 'x'.repeat(20))).toBe(true);
      expect(atlanConnector.verifySignature(Buffer.from('{"atlan-webhook": "hello"}'), {}, 'x'.repeat(20))).toBe(false);
      expect(atlanConnector.validateBody(JSON.parse(ping.toString()))).toEqual({ ok: true, orderingKey: 'validation_ping' });
      expect(ignoredReason(atlanConnector.normalize(delivery(ping.toString()), ATLAN))).toBe('validation_ping');
    });

    it('Atlas takes no webhooks at all', () => {
      expect(atlasConnector.verifySignature(ping, {}, 'x'.repeat(20))).toBe(false);
      expect(atlasConnector.verifySignature(body, { 'x-atlan-signing-secret': 'x'.repeat(20) }, 'x'.repeat(20))).toBe(false);
    });

    it('validateBody orders by entity or relationship guid, and refuses a split part naming why', () => {
      expect(atlanConnector.validateBody(JSON.parse(body.toString()))).toEqual({ ok: true, orderingKey: `entity:${GUID}` });
      expect(atlanConnector.validateBody(envelope({ type: 'ENTITY_NOTIFICATION_V2', operationType: 'RELATIONSHIP_CREATE', eventTime: 1, relationship: { guid: 'r-1' } })))
        .toEqual({ ok: true, orderingKey: 'relationship:r-1' });
      const part = atlanConnector.validateBody({ version: { version: '1.0.0' }, msgId: 'm_1', msgCompressionKind: 'GZIP', msgSplitIdx: 1, msgSplitCount: 3, message: 'AAAA' });
      expect(part).toEqual({ ok: false, issues: [{ path: 'msgSplitIdx', message: expect.stringMatching(/part \(2 of 3\) of split message m_1: a webhook must carry a whole message/) }] });
      expect(atlanConnector.validateBody(envelope({ type: 'ENTITY_NOTIFICATION_V2', operationType: 'ENTITY_CREATE', eventTime: 1 })).ok).toBe(false);
    });

    it('an envelope whose content is corrupt is taken (normalize parks it with the reason); a body that is no envelope is refused', () => {
      expect(atlanConnector.validateBody({ ...gzipped(notification('ENTITY_CREATE')), message: 'bm90IGd6aXA=' })).toEqual({ ok: true, orderingKey: 'unreadable' });
      expect(atlanConnector.validateBody([1, 2]).ok).toBe(false);
    });
  });

  describe('backfill (history)', () => {
    const entity = (guid: string, typeName = 'Table', updateTime?: number): AtlasEntity =>
      ({ guid, typeName, attributes: { qualifiedName: `qn/${guid}`, name: guid }, classifications: [], ...(updateTime ? { updateTime } : {}) });
    const api = (pages: Record<string, AtlasEntity[]>, fail?: AtlasApiError): AtlasApi & { calls: string[] } => {
      const calls: string[] = [];
      return {
        calls,
        async search({ typeNames, offset, limit }) {
          calls.push(`${typeNames.join(',')}@${offset}`);
          if (fail) throw fail;
          if (!(typeNames[0] in pages)) throw new AtlasApiError(400, 'ATLAS-400-00-014', `Type ENTITY with name ${typeNames[0]} does not exist`, false);
          return { entities: pages[typeNames[0]].slice(offset, offset + limit), approximateCount: pages[typeNames[0]].length };
        },
      } as AtlasApi & { calls: string[] };
    };
    const config = AtlasConfig.parse({ ...ATLAS, entityTypes: {}, processTypes: ['Process'] });

    it('pages each mapped type and the process types, passing over types the catalog does not define; each entity normalizes like a create', async () => {
      const tables = Array.from({ length: 150 }, (_, i) => entity(`t${i}`, 'Table', 1_700_000_000_000 + i));
      const source = api({ Table: tables, Process: [entity('p1', 'Process')] });
      const history = atlasHistory(config, source);
      const deliveries: { contentType: string; body: string }[] = [];
      let after: string | null = null;
      do {
        const page = await history.page({ since: new Date(0), until: null }, after);
        deliveries.push(...page.deliveries);
        after = page.next;
      } while (after !== null);
      expect(deliveries).toHaveLength(151);
      expect(source.calls).toContain('Table@100');
      expect(source.calls).toContain('Process@0');
      expect(new Set(deliveries.map((d) => d.contentType))).toEqual(new Set([ATLAS_ENTITY_TYPE]));
      const fact = factOf(atlasConnector.normalize(delivery(deliveries.find((d) => d.body.includes('"t7"'))!.body, ATLAS_ENTITY_TYPE), config));
      expect([fact.operationType, fact.guid, fact.eventTime, fact.assetType]).toEqual(['ENTITY_CREATE', 't7', 1_700_000_000_007, 'table']);
      const process = factOf(atlasConnector.normalize(delivery(deliveries.find((d) => d.body.includes('"p1"'))!.body, ATLAS_ENTITY_TYPE), config));
      expect(process.isProcess).toBe(true);
    });

    it('a 429 asks the backfill to wait; a 401 fails it without the catalog\'s words', async () => {
      await expect(atlasHistory(config, api({}, new AtlasApiError(429, null, '429', true, 3000))).page({ since: new Date(0), until: null }, null))
        .rejects.toEqual(new SourceRateLimited(3000));
      const refused = atlasHistory(config, api({}, new AtlasApiError(401, null, '401: Error 401 Unauthorized', false))).page({ since: new Date(0), until: null }, null);
      await expect(refused).rejects.toBeInstanceOf(SourceFailed);
      await expect(refused).rejects.toThrow(/atlas_unauthorized/);
    });
  });
});
