/** Tests run in band: the medium tier starts real PostgreSQL servers, and this is a 2-core machine. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // the distributed-engine suite runs with jest.distributed.config.js
  testPathIgnorePatterns: ['/node_modules/', '\\.distributed\\.spec\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // ESM-only packages, turned into CommonJS for jest's runtime (Node itself loads them with require).
    '^.+\\.js$': ['babel-jest', { babelrc: false, configFile: false, plugins: ['@babel/plugin-transform-modules-commonjs'] }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@marcbachmann/cel-js|@fastify/static/node_modules/content-disposition|content-disposition)/)'],
  moduleNameMapper: { '^@tributary/(.*)$': '<rootDir>/libs/$1/src' },
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
