import { loadConfig } from '@tributary/config';
import { ASSUMPTIONS as A, ASSUMPTION_TEXT as T } from './assumptions';
import { CostRequest, Workload } from './cost-flags';
import { MeasurementIndex } from './measurement-index';
import { PriceTable } from './price-table';
import { derive, given, missing, Quantity, sumKnown } from './quantity';

const GIB = 2 ** 30;
const SECONDS_PER_DAY = 86_400;

/** One component of a deployment: a process role or an engine, sized and priced. */
export interface ComponentPlan {
  name: string;
  /** Processes or nodes; undefined where the component is a share of another (the embedded VM's parts). */
  replicas?: Quantity;
  /** Cores the peak rate needs, without headroom; undefined where no measurement is about it (ClickHouse's queries). */
  coresAtPeak?: Quantity;
  /** Cores provisioned: with headroom, whole replicas and minimums. */
  cores: Quantity;
  memoryGib: Quantity;
  storageGib?: Quantity;
  monthlyUsd: Quantity;
}

export interface DeploymentPlan {
  request: CostRequest;
  components: ComponentPlan[];
  total: { cores: Quantity; memoryGib: Quantity; storageGib: Quantity; monthlyUsd: Quantity };
  /** Where the request goes past what was measured (e.g. above the embedded platform's sustained rate). */
  warnings: string[];
  prices: PriceTable;
}

/**
 * Sizes a deployment for a workload from the measured benchmarks: CPU seconds per event per process
 * at the measured rate, scaled linearly to the requested rate (then headroom), memory from the
 * processes' peak RSS, storage from bytes per stored record over the retention; and prices it.
 */
export function planDeployment(request: CostRequest, m: MeasurementIndex, prices: PriceTable): DeploymentPlan {
  const plan = request.profile === 'embedded' ? embedded(request, m) : distributed(request, m);
  const priced = plan.components.map((c) => ({ ...c, monthlyUsd: monthly(c, prices) }));
  return {
    request, prices, warnings: plan.warnings, components: priced,
    total: {
      cores: sumKnown(priced.map((c) => c.cores)),
      memoryGib: sumKnown(priced.map((c) => c.memoryGib)),
      storageGib: sumKnown(priced.flatMap((c) => (c.storageGib ? [c.storageGib] : []))),
      monthlyUsd: sumKnown(priced.map((c) => c.monthlyUsd)),
    },
  };
}

type Unpriced = Omit<ComponentPlan, 'monthlyUsd'>;

function monthly(c: Unpriced, prices: PriceTable): Quantity {
  const p = prices.prices;
  const hours = prices.hoursPerMonth;
  return derive([c.cores, c.memoryGib, c.storageGib ?? given(0)],
    (cores, memory, storage) => cores * p.vcpuHour.usd * hours + memory * p.memoryGibHour.usd * hours + storage * p.blockStorageGibMonth.usd);
}

/** What the workload puts in the stores, from bytes per record measured by the benchmarks. */
class Volumes {
  readonly headroom: Quantity;
  readonly rate: Quantity;
  readonly eventsRetained: Quantity;
  /** Incidents and change events per inbound event, as the inbound benchmark's run left them. */
  readonly incidentsPerEvent: Quantity;
  readonly changesPerEvent: Quantity;

  constructor(private readonly w: Workload, headroom: number, private readonly m: MeasurementIndex) {
    this.headroom = given(1 + headroom, T.headroom(headroom));
    this.rate = given(w.eventsPerSecond);
    this.eventsRetained = given(w.eventsPerSecond * SECONDS_PER_DAY * w.retentionDays, T.eventsRetained);
    const inboundEvents = m.records('inbound', 'postgresql.inbound-event');
    this.incidentsPerEvent = derive([m.records('inbound', 'postgresql.incident'), inboundEvents], (i, e) => i / e);
    this.changesPerEvent = derive([m.records('inbound', 'postgresql.change-event'), inboundEvents], (c, e) => c / e);
  }

  /** Cores a process needs at the requested rate: its CPU seconds per event × events per second (× `perEvent` more work per event). */
  coresAtPeak(cpuPerEvent: Quantity, perEvent: Quantity = given(1)): Quantity {
    return derive([this.rate, cpuPerEvent, perEvent], (rate, cpu, n) => rate * cpu * n);
  }

  withHeadroom(q: Quantity): Quantity {
    return derive([q, this.headroom], (v, h) => v * h);
  }

  postgresGib(): Quantity {
    const m = this.m;
    return derive([given(this.w.assets), m.bytesPerRecord('catalog', 'postgresql.asset'), given(this.w.lineageEdges),
      m.bytesPerRecord('catalog', 'postgresql.lineage-edge'), this.eventsRetained, m.bytesPerRecord('inbound', 'postgresql.inbound-event')],
    (assets, perAsset, edges, perEdge, events, perEvent) => (assets * perAsset + edges * perEdge + events * perEvent) / GIB);
  }

  clickhouseGib(): Quantity {
    const m = this.m;
    const per = (table: string) => m.bytesPerRecord('analytics', `clickhouse.${table}`);
    const closure = derive([m.figure('analytics', 'closure.pairs-per-edge'), per('closure-pairs'), per('closure-pairs-by-descendant')],
      (pairs, byAncestor, byDescendant) => pairs * (byAncestor + byDescendant));
    const incident = derive([per('incidents'), per('incident-assets'), m.records('analytics', 'clickhouse.incident-assets'), m.records('analytics', 'clickhouse.incidents')],
      (row, link, links, incidents) => row + link * (links / incidents), T.incidentsPerEvent);
    return derive([given(this.w.assets), per('assets'), given(this.w.lineageEdges), per('edges'), closure, this.eventsRetained, this.incidentsPerEvent, incident],
      (assets, perAsset, edges, perEdge, perEdgeClosure, events, incidentsPerEvent, perIncident) =>
        (assets * perAsset + edges * (perEdge + perEdgeClosure) + events * incidentsPerEvent * perIncident) / GIB);
  }

  kafkaGib(retentionHours: number): Quantity {
    const m = this.m;
    // an inbound event is one record of the inbound topic and one of the change topic per change it makes
    return derive([this.rate, m.bytesPerRecord('inbound', 'postgresql.log-record'), this.changesPerEvent],
      (rate, record, changes) => (rate * retentionHours * 3600 * (1 + changes) * record * A.kafkaReplicationFactor) / GIB,
      T.kafka, T.kafkaRecord, `Kafka's topics keep ${retentionHours} h (KAFKA_RETENTION_HOURS), whatever the retention asked`);
  }

  /** Provisioned block storage: the data and free space. */
  provisioned(dataGib: Quantity, copies = 1): Quantity {
    return derive([dataGib], (gib) => gib * copies * (1 + A.storageFreeShare), T.storageFree);
  }
}

const gib = (bytes: Quantity) => derive([bytes], (b) => b / GIB);
const atLeast = (q: Quantity, min: number, why: string) => derive([q], (v) => Math.max(min, v), why);

function embedded({ workload, headroom }: CostRequest, m: MeasurementIndex): { components: Unpriced[]; warnings: string[] } {
  const v = new Volumes(workload, headroom, m);
  const platformAtPeak = v.coresAtPeak(m.cpuSecondsPerEvent('inbound', 'steady.platform'));
  const postgresAtPeak = v.coresAtPeak(m.cpuSecondsPerEvent('inbound', 'steady.postgresql'));
  const platformMemory = v.withHeadroom(gib(m.peakRssBytes('inbound', 'steady.platform')));
  const postgresCores = v.withHeadroom(postgresAtPeak);
  const postgresMemory = derive([postgresCores], (c) => Math.max(A.minEngineCores, c) * A.memoryGibPerCore, T.engineMemory);
  const data = derive([v.postgresGib(), v.clickhouseGib()], (pg, ch) => pg + ch);
  const vmCores = derive([v.withHeadroom(platformAtPeak), postgresCores], (a, b) => Math.max(A.minEmbeddedVcpus, Math.ceil(a + b)), T.embeddedVm);
  const warnings: string[] = [];
  const ceiling = m.figure('inbound', 'sustained.events-per-second');
  if (ceiling.value !== undefined && workload.eventsPerSecond * (1 + headroom) > ceiling.value) {
    warnings.push(`${workload.eventsPerSecond} events/s with ${Math.round(headroom * 100)} % headroom is above the ${ceiling.value} events/s the embedded platform `
      + 'sustained in the inbound benchmark (inbound:figures.sustained.events-per-second): one process will not keep up; use --profile distributed');
  }
  if (ceiling.value === undefined) warnings.push('the embedded platform\'s sustained rate is not measured (inbound:figures.sustained.events-per-second): whether one VM keeps up is unknown');
  return {
    warnings,
    components: [{
      name: 'one VM: platform process (api, ingestor, propagator, indexer, embedded ClickHouse) and embedded PostgreSQL',
      replicas: given(1),
      coresAtPeak: derive([platformAtPeak, postgresAtPeak], (a, b) => a + b),
      cores: vmCores,
      memoryGib: derive([platformMemory, postgresMemory], (a, b) => a + b),
      storageGib: v.provisioned(data),
    }],
  };
}

function distributed({ workload, headroom }: CostRequest, m: MeasurementIndex): { components: Unpriced[]; warnings: string[] } {
  const v = new Volumes(workload, headroom, m);
  const nodeRole = (role: 'api' | 'ingestor' | 'propagator'): Unpriced => {
    const atPeak = v.coresAtPeak(m.cpuSecondsPerEvent('distributed', `distributed.steady.${role}`));
    const replicas = derive([v.withHeadroom(atPeak)], (c) => Math.max(A.minNodeReplicas, Math.ceil(c / A.coresPerNodeReplica)), T.nodeReplica, T.minReplicas);
    return {
      name: role, replicas, coresAtPeak: atPeak, cores: derive([replicas], (r) => r * A.coresPerNodeReplica),
      memoryGib: derive([replicas, v.withHeadroom(gib(m.peakRssBytes('distributed', `distributed.steady.${role}`)))], (r, perReplica) => r * perReplica),
    };
  };
  const indexerAtPeak = v.coresAtPeak(m.cpuSecondsPerEvent('analytics', 'indexer.indexer'), v.changesPerEvent);
  const indexerReplicas = derive([v.withHeadroom(indexerAtPeak)], (c) => Math.max(A.minIndexerReplicas, Math.ceil(c / A.coresPerNodeReplica)), T.nodeReplica, T.indexer);
  const engine = (name: string, atPeak: Quantity | undefined, instances: number, why: string, memory?: Quantity, storage?: Quantity): Unpriced => {
    const perInstance = atLeast(atPeak ? v.withHeadroom(atPeak) : given(0), A.minEngineCores, T.minEngineCores);
    const cores = derive([perInstance], (c) => Math.ceil(c) * instances, why);
    return { name, replicas: given(instances, why), ...(atPeak ? { coresAtPeak: atPeak } : {}), cores,
      memoryGib: memory ?? derive([cores], (c) => c * A.memoryGibPerCore, T.engineMemory), ...(storage ? { storageGib: storage } : {}) };
  };
  const kafkaAtPeak = derive([v.coresAtPeak(m.cpuSecondsPerEvent('distributed', 'distributed.steady.kafka'))], (c) => c * A.kafkaReplicationFactor / A.kafkaBrokers, T.kafka);
  const redisMemory = derive([gib(m.peakRssBytes('distributed', 'distributed.steady.redis'))], (g) => g * A.redisInstances, T.redis);
  const kafkaMemory = derive([gib(m.peakRssBytes('distributed', 'distributed.steady.kafka'))], (g) => g * A.kafkaBrokers, T.kafka);
  // The druid suite measures latencies only: Druid is listed with what it would need measured, never sized by guess.
  const druidUnmeasured = (key: string) => missing({ suite: 'druid', key });
  return {
    warnings: [],
    components: [
      nodeRole('api'), nodeRole('ingestor'), nodeRole('propagator'),
      { name: 'indexer (with ClickHouse\'s ingest work)', replicas: indexerReplicas, coresAtPeak: indexerAtPeak, cores: derive([indexerReplicas], (r) => r * A.coresPerNodeReplica),
        memoryGib: derive([indexerReplicas], (r) => r * A.memoryGibPerCore * A.coresPerNodeReplica, T.engineMemory) },
      engine('PostgreSQL', v.coresAtPeak(m.cpuSecondsPerEvent('distributed', 'distributed.steady.postgresql')), A.postgresInstances, T.postgres, undefined,
        v.provisioned(v.postgresGib(), A.postgresInstances)),
      engine('Kafka', kafkaAtPeak, A.kafkaBrokers, T.kafka, kafkaMemory, v.provisioned(v.kafkaGib(loadConfig({}).kafkaRetentionHours))),
      engine('Redis', v.coresAtPeak(m.cpuSecondsPerEvent('distributed', 'distributed.steady.redis')), A.redisInstances, T.redis, redisMemory),
      engine('ClickHouse', undefined, A.clickhouseReplicas, T.clickhouse, undefined, v.provisioned(v.clickhouseGib(), A.clickhouseReplicas)),
      { name: 'Druid (incident analytics)', coresAtPeak: druidUnmeasured('processes.druid'), cores: druidUnmeasured('processes.druid'),
        memoryGib: druidUnmeasured('processes.druid.peakRssBytes'), storageGib: druidUnmeasured('storage.druid.incident-fact') },
    ],
  };
}
