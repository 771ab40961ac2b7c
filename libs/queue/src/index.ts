export * from './job-queue';
export * from './bullmq.job-queue';
export * from './postgres.job-queue';
export * from './periodic-jobs';
