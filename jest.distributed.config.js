/**
 * The distributed-engine suite (`npm run test:distributed`): the same contract suites run on Kafka,
 * BullMQ and Debezium, against engines started by scripts/engines.sh.
 */
const base = require('./jest.config');

module.exports = { ...base, testMatch: ['**/*.distributed.spec.ts'], testPathIgnorePatterns: ['/node_modules/'], testTimeout: 120000 };
