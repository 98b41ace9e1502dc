/**
 * Every test: unit, integration (*.int-spec.ts) and end-to-end (*.e2e-spec.ts under test/).
 * The global setup starts a real Kafka broker and finds (or starts) PostgreSQL and an MQTT
 * broker; tests run one file at a time because they share that infrastructure.
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
