/**
 * Every test: unit, integration (*.int-spec.ts) and end-to-end (*.e2e-spec.ts under test/).
 * The global setup starts a real Kafka broker and finds (or starts) PostgreSQL and an MQTT
 * broker. Two files run at a time: each file works in a database of its own and matches Kafka
 * records by its own ids, and the fault tests start a Kafka and a Mosquitto of their own to kill;
 * one at a time the suite took over 20 minutes on the 2-core box.
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
