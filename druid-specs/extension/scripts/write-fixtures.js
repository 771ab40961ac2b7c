// Writes the cross-language fixtures of the Druid input format: IncidentFact records encoded by the
// project's own TypeScript codec (libs/contracts), so that the Java tests decode exactly the bytes the
// outbox writes. Run from the repository root after `node scripts/ensure-built.js`:
//
//   node druid-specs/extension/scripts/write-fixtures.js
//
// The Java side (CrossLanguageFixturesTest) spells out the values below as the map it expects; change
// both together.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const { incidentFactCodec, confluentFraming, singleObject } = require(join(root, 'dist', 'libs', 'contracts', 'src'));
const out = join(__dirname, '..', 'src', 'test', 'resources', 'fixtures');

// Only the required fields set: nulls in every optional field and no assets.
const opened = {
  id: 'ce-0001',
  tenant: 'acme',
  incidentId: 'inc-42',
  sequence: 17,
  time: new Date('2026-03-01T09:30:00.123Z'),
  source: 'monte-carlo',
  type: 'freshness',
  severity: null,
  status: 'open',
  openedAt: new Date('2026-03-01T09:30:00.123Z'),
  acknowledgedAt: null,
  resolvedAt: null,
  assets: [],
  downstreamAssets: 0,
  connector: null,
  traceId: null,
};

// Every field set; a sequence past 32 bits and a non-ASCII asset name.
const resolved = {
  id: 'ce-0002',
  tenant: 'acme',
  incidentId: 'inc-42',
  sequence: 4294967301,
  time: new Date('2026-03-02T18:00:05.007Z'),
  source: 'monte-carlo',
  type: 'freshness',
  severity: 'high',
  status: 'resolved',
  openedAt: new Date('2026-03-01T09:30:00.123Z'),
  acknowledgedAt: new Date('2026-03-01T10:00:00.000Z'),
  resolvedAt: new Date('2026-03-02T18:00:05.007Z'),
  assets: ['warehouse.orders', 'dashboards.umsätze', 'warehouse.customers'],
  downstreamAssets: 12,
  connector: 'conn-mc-1',
  traceId: '4bf92f3577b34da6a1ce929d0e0e4736',
};

// The registry id the Confluent-framed copy claims (the Java test's registry serves the schema under it).
const CONFLUENT_SCHEMA_ID = 7;

const write = (name, bytes) => {
  writeFileSync(join(out, name), bytes);
  console.log(`${name}: ${bytes.length} bytes, header ${bytes.subarray(0, 10).toString('hex')}`);
};

write('incident-fact-opened.single-object.avro', incidentFactCodec.encode(opened));
const resolvedBytes = incidentFactCodec.encode(resolved);
write('incident-fact-resolved.single-object.avro', resolvedBytes);
write('incident-fact-resolved.confluent-id-7.avro', confluentFraming.frame(CONFLUENT_SCHEMA_ID, singleObject.parse(resolvedBytes).body));
