import { randomBytes } from 'node:crypto';
import { Kafka, KafkaMessage } from 'kafkajs';

/** The first `count` messages of a topic as produced, read with plain kafkajs by a throwaway group. */
export async function readMessages(kafka: Kafka, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: KafkaMessage[] = [];
  await new Promise<void>((resolve) => void consumer.run({ eachMessage: async ({ message }) => {
    seen.push(message);
    if (seen.length >= count) resolve();
  } }));
  await consumer.disconnect();
  return seen;
}
