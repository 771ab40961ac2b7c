import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullMqJobQueue } from './bullmq.job-queue';
import { describeJobQueueContract } from './job-queue.contract';

/** The machine's Redis (as on CI); REDIS_URL names another. Keys carry a prefix of this run's own. */
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describeJobQueueContract('BullMQ on Redis', async () => {
  const run = `tributary-test-${randomBytes(6).toString('hex')}`;
  return {
    open: ({ prefix, onDead, onError }) => BullMqJobQueue.open({ url, prefix: `${run}:${prefix}`, onDead, onError }),
    dispose: async () => {
      const redis = new Redis(url);
      try {
        for await (const keys of redis.scanStream({ match: `${run}:*`, count: 500 })) {
          if ((keys as string[]).length) await redis.del(...(keys as string[]));
        }
      } finally {
        await redis.quit();
      }
    },
  };
});
