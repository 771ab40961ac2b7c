import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { parentPort, workerData } from 'node:worker_threads';
import { sendOnClock } from '../support/open-loop';
import type { ProduceRun, ProducerOptions } from './kafka-loop';

const { brokers, topic, maxInFlight } = workerData as ProducerOptions;
// As KafkaEventLog produces: idempotent, one request in flight per broker, acks from all replicas.
const producer = new Kafka({ clientId: 'tributary-bench-loop', brokers, logLevel: logLevel.NOTHING })
  .producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
const connected = producer.connect();

parentPort!.on('message', (run: ProduceRun) => {
  void connected.then(() => sendOnClock(run.records.length, run.ratePerSecond, maxInFlight, (i, answered) => {
    const { key, value, headers } = run.records[i];
    // One send per record, as the api appends each webhook on its own.
    producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: [{ key, value: Buffer.from(value), headers }] })
      .then(() => answered(1), () => answered(0));
  })).then((times) => parentPort!.postMessage(times));
});
