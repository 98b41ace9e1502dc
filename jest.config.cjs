/**
 * Every test: unit, integration (*.int-spec.ts) and end-to-end (*.e2e-spec.ts under test/).
 * Two files at a time, one per core. The global setup starts a real Kafka broker and an MQTT
 * broker for each worker and finds (or starts) PostgreSQL, where each file makes its own
 * database. Workers do not share brokers: every test file's response centre takes in every
 * device alarm on its topics (a centre also answers devices it does not know), so two files on
 * one Kafka would answer each other's devices.
 */
const unit = require('./jest.unit.config.cjs');

module.exports = {
  ...unit,
  roots: [...unit.roots, '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  maxWorkers: 2,
  testTimeout: 120000,
};
