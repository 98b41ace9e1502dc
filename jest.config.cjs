/**
 * Every test: unit, integration (*.int-spec.ts) and end-to-end (*.e2e-spec.ts under test/).
 * The global setup starts a real Kafka broker and finds (or starts) PostgreSQL and an MQTT
 * broker. One file at a time: every test file's response centre takes in every device alarm on
 * the shared topics (a centre also answers devices it does not know), so files running side by
 * side answer each other's devices (tried with two workers: three files failed on it).
 */
const unit = require('./jest.unit.config.cjs');

module.exports = {
  ...unit,
  roots: [...unit.roots, '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  maxWorkers: 1,
  testTimeout: 120000,
};
