import { describePropagationProperty } from './propagation.property';

/** The propagation property on the distributed job queue: BullMQ on the machine's Redis (REDIS_URL names another). */
describePropagationProperty({ name: 'bullmq', redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
