/**
 * Writes Jest's own totals to test-results/summary.json, so .ci/run can print
 * "tests: N passed, M failed" from the runner's result rather than from scraped output.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = join(this.rootDir, 'test-results');
    mkdirSync(dir, { recursive: true });
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests,
      pending: results.numPendingTests + results.numTodoTests,
      suitesFailedToRun: results.numRuntimeErrorTestSuites,
      durationSeconds: Math.round((Date.now() - results.startTime) / 1000),
    };
    writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}

module.exports = SummaryReporter;
