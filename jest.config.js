/* global module */
// Two projects: fast unit tests beside the code, and cross-app end-to-end tests on a real RabbitMQ.
const moduleNameMapper = {
  '^@app/batching(|/.*)$': '<rootDir>/libs/batching/src$1',
  '^@app/config(|/.*)$': '<rootDir>/libs/config/src$1',
  '^@app/dashboard(|/.*)$': '<rootDir>/libs/dashboard/src$1',
  '^@app/key-pool(|/.*)$': '<rootDir>/libs/key-pool/src$1',
  '^@app/key-store(|/.*)$': '<rootDir>/libs/key-store/src$1',
  '^@app/etsi-api(|/.*)$': '<rootDir>/libs/etsi-api/src$1',
  '^@app/broker(|/.*)$': '<rootDir>/libs/broker/src$1',
  '^@app/internal-client(|/.*)$': '<rootDir>/libs/internal-client/src$1',
  '^@app/link-model(|/.*)$': '<rootDir>/libs/link-model/src$1',
  '^@app/etsi-client(|/.*)$': '<rootDir>/libs/etsi-client/src$1',
  '^@app/kme(|/.*)$': '<rootDir>/libs/kme/src$1',
  '^@app/kme-server(|/.*)$': '<rootDir>/libs/kme-server/src$1',
  '^@app/observability(|/.*)$': '<rootDir>/libs/observability/src$1',
};
const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testEnvironment: 'node',
  // Decorators read metadata at import time, as in the apps' main.ts.
  setupFiles: ['reflect-metadata'],
  moduleNameMapper,
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/scripts', '<rootDir>/bench'],
      testRegex: '.*\\.spec\\.ts$',
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testRegex: '.*\\.e2e-spec\\.ts$',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-setup.ts'],
    },
  ],
};
