/**
 * What the cost model assumes where the benchmarks measure nothing: each one is printed with the
 * figures that rest on it. Change one here and docs/cost.md follows on the next `--write-docs`.
 */
export const ASSUMPTIONS = {
  /** A Node process runs the platform's work on one event loop: one replica uses about one core. */
  coresPerNodeReplica: 1,
  /** api, ingestor and propagator replicas in the distributed profile: two, so that one can fail. */
  minNodeReplicas: 2,
  /** The indexer: one process writes a tenant's changes in order. */
  minIndexerReplicas: 1,
  /** Memory of an engine whose resident memory the benchmarks do not measure: general-purpose VMs' ratio. */
  memoryGibPerCore: 4,
  /** A store's cores and memory are provisioned at least this much per node. */
  minEngineCores: 2,
  /** Kafka: three brokers, every topic replicated three times (acks=all). */
  kafkaReplicationFactor: 3,
  kafkaBrokers: 3,
  /** PostgreSQL in the distributed profile: a primary and one streaming standby of the same size. */
  postgresInstances: 2,
  /** ClickHouse in the distributed profile: two replicas of one shard. */
  clickhouseReplicas: 2,
  /** Redis: a primary and a replica. */
  redisInstances: 2,
  /** The embedded profile's one VM: at least this many vCPUs. */
  minEmbeddedVcpus: 2,
  /** Block storage provisioned over what the data takes (free space for vacuum, merges, growth). */
  storageFreeShare: 0.3,
} as const;

export const ASSUMPTION_TEXT = {
  nodeReplica: `a Node process uses at most ${ASSUMPTIONS.coresPerNodeReplica} core (one event loop): replicas = cores needed, rounded up`,
  minReplicas: `at least ${ASSUMPTIONS.minNodeReplicas} replicas of api, ingestor and propagator (one may fail)`,
  indexer: 'the indexer\'s CPU was measured with the embedded ClickHouse engine in the same process: it covers ClickHouse\'s ingest work too',
  engineMemory: `memory not measured: ${ASSUMPTIONS.memoryGibPerCore} GiB per provisioned core (general-purpose VMs' ratio)`,
  minEngineCores: `at least ${ASSUMPTIONS.minEngineCores} cores per engine node`,
  kafka: `Kafka: ${ASSUMPTIONS.kafkaBrokers} brokers, replication factor ${ASSUMPTIONS.kafkaReplicationFactor}; every replica does the leader's write work (CPU and disk × ${ASSUMPTIONS.kafkaReplicationFactor})`,
  kafkaRecord: 'a Kafka record is as large as an average record of the embedded event log (PostgreSQL row with its indexes): a proxy, Kafka\'s own size per record is not measured',
  postgres: `PostgreSQL: a primary and ${ASSUMPTIONS.postgresInstances - 1} standby of the same size`,
  clickhouse: `ClickHouse: ${ASSUMPTIONS.clickhouseReplicas} replicas; its query CPU is not measured (only its ingest work, with the indexer)`,
  redis: `Redis: a primary and ${ASSUMPTIONS.redisInstances - 1} replica; its memory is the benchmark machine's Redis peak`,
  storageFree: `block storage provisioned ${Math.round(ASSUMPTIONS.storageFreeShare * 100)} % above the data`,
  eventsRetained: 'every event of the retention is kept with everything it writes (inbound log, incident state, change event, audit row), at the given rate around the clock',
  incidentsPerEvent: 'ClickHouse keeps one incident row per incident after merges; incidents per event as in the inbound benchmark',
  embeddedVm: `the embedded VM has at least ${ASSUMPTIONS.minEmbeddedVcpus} vCPUs, cores rounded up to whole vCPUs`,
  tenants: 'tenants add no measured cost: a tenant\'s data is counted in the volumes; a dedicated tenant\'s own schema and ClickHouse database are not measured apart',
  headroom: (h: number) => `${Math.round(h * 100)} % headroom at peak: cores and memory are provisioned at ${(1 + h).toFixed(2)} × what the measured rate needs`,
} as const;
