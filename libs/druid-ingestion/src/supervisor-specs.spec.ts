import { incidentFactsDataSchema, incidentFactsSupervisors, SupervisorOptions } from './supervisor-specs';
import { datasourceOf } from './incident-facts-datasources';

describe('incident-facts supervisor specs', () => {
  const options: SupervisorOptions = { topicPrefix: 'tributary', kafkaBrokers: '127.0.0.1:9092', decoding: { kind: 'tributary-avro' } };
  const tenants = [
    { id: 'default', placement: 'pooled' as const },
    { id: 'acme', placement: 'schema' as const },
    { id: 'big-co', placement: 'dedicated' as const },
    { id: 'zeta', placement: 'dedicated' as const },
  ];
  const ioConfig = (spec: Record<string, unknown>) => (spec.spec as { ioConfig: Record<string, unknown> }).ioConfig;
  /** Druid matches a topic pattern against whole topic names (java.util.regex Matcher.matches) */
  const reads = (pattern: string, topic: string) => new RegExp(`^(?:${pattern})$`).test(topic);

  it('one pooled datasource for pooled and schema tenants, one per dedicated tenant', () => {
    const specs = incidentFactsSupervisors(tenants, options);
    expect(specs.map((s) => s.datasource)).toEqual(['tributary_incident_facts', 'tributary_incident_facts_big-co', 'tributary_incident_facts_zeta']);
    expect(tenants.map((t) => datasourceOf('tributary', t.id, t.placement)))
      .toEqual(['tributary_incident_facts', 'tributary_incident_facts', 'tributary_incident_facts_big-co', 'tributary_incident_facts_zeta']);
    expect(ioConfig(specs[1].supervisor)).toMatchObject({ topic: 'tributary.big-co.incident-facts.v1' });
  });

  it('the pooled pattern reads the pooled topic and every schema tenant\'s, present or later, and no dedicated tenant\'s', () => {
    const { topicPattern } = ioConfig(incidentFactsSupervisors(tenants, options)[0].supervisor) as { topicPattern: string };
    for (const topic of ['tributary.pooled.incident-facts.v1', 'tributary.acme.incident-facts.v1', 'tributary.later-one.incident-facts.v1',
      'tributary.big-co-2.incident-facts.v1']) {
      expect([topic, reads(topicPattern, topic)]).toEqual([topic, true]);
    }
    for (const topic of ['tributary.big-co.incident-facts.v1', 'tributary.zeta.incident-facts.v1', 'tributary.pooled.changes.v1',
      'other.pooled.incident-facts.v1', 'tributaryXpooled.incident-facts.v1', 'tributary.pooled.incident-facts.v10']) {
      expect([topic, reads(topicPattern, topic)]).toEqual([topic, false]);
    }
  });

  it('carries the repository\'s data schema, and a hash that changes with the spec only', () => {
    const [pooled] = incidentFactsSupervisors(tenants, options);
    expect((pooled.supervisor.spec as { dataSchema: Record<string, unknown> }).dataSchema)
      .toEqual({ dataSource: 'tributary_incident_facts', ...incidentFactsDataSchema() });
    const hash = (s: Record<string, unknown>) => (s.context as { tributarySpecHash: string }).tributarySpecHash;
    expect(hash(incidentFactsSupervisors(tenants, options)[0].supervisor)).toBe(hash(pooled.supervisor));
    expect(hash(incidentFactsSupervisors(tenants, { ...options, kafkaBrokers: 'kafka:9092' })[0].supervisor)).not.toBe(hash(pooled.supervisor));
    // a new dedicated tenant changes the pooled pattern, so the pooled supervisor too
    expect(hash(incidentFactsSupervisors([...tenants, { id: 'new', placement: 'dedicated' }], options)[0].supervisor)).not.toBe(hash(pooled.supervisor));
  });

  it('decodes with the project\'s input format, or with Druid\'s Avro extension and a registry', () => {
    const format = (decoding: SupervisorOptions['decoding']) => ioConfig(incidentFactsSupervisors(tenants, { ...options, decoding })[0].supervisor).inputFormat;
    expect(format({ kind: 'tributary-avro' })).toEqual({ type: 'tributary-avro' });
    expect(format({ kind: 'tributary-avro', registryUrl: 'http://registry:8081' })).toEqual({ type: 'tributary-avro', registryUrl: 'http://registry:8081' });
    expect(format({ kind: 'avro-extension', registryUrl: 'http://registry:8081' }))
      .toEqual({ type: 'avro_stream', avroBytesDecoder: { type: 'schema_registry', url: 'http://registry:8081' }, binaryAsString: false });
  });
});
