import { AvroCodec } from './avro/avro-codec';
import { incidentObservationCodec } from './codecs';
import { INCIDENT_FIELDS, IncidentObservation, statedFieldsOf } from './incident-observation';
import { IncidentObservationV1 } from './schemas/incident-observation.v1';

const observation = (overrides: Partial<IncidentObservation> = {}): IncidentObservation => ({
  source: 'montecarlo', externalId: 'inc-1', type: 'volume', rawType: 'open_anomaly_incident', severity: 'SEV-1', status: 'open',
  rawStatus: null, title: 'Has 42 rows vs. 101 expected', url: null, owner: null,
  tables: [{ ref: 'analytics:public.orders', qualifiedName: null }], sourceTime: null, deliveryKey: 'k', statedFields: null, ...overrides,
});

describe('IncidentObservation', () => {
  describe('stated fields', () => {
    it('a partial observation states only its list, in any order, ignoring unknown names', () => {
      expect([...statedFieldsOf({ statedFields: ['owner', 'severity'] })].sort()).toEqual(['owner', 'severity']);
      expect([...statedFieldsOf({ statedFields: ['colour' as never] })]).toEqual([]);
    });

    it('a full state (null) states every field', () => {
      expect([...statedFieldsOf({ statedFields: null })]).toEqual([...INCIDENT_FIELDS]);
    });
  });

  describe('the Avro codec', () => {
    it('reads a v1 record as a full state', () => {
      const { statedFields: _, ...v1 } = observation();
      const bytes = new AvroCodec(IncidentObservationV1 as never).encode(v1);
      const read = incidentObservationCodec.decode(bytes);
      expect(read).toEqual(observation({ statedFields: null }));
      expect([...statedFieldsOf(read)]).toEqual([...INCIDENT_FIELDS]);
    });

    it('carries the stated fields of a partial update', () => {
      const partial = observation({ statedFields: ['owner'], owner: 'dana@acme.io' });
      expect(incidentObservationCodec.decode(incidentObservationCodec.encode(partial))).toEqual(partial);
    });
  });
});
