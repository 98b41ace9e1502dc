/**
 * `REGISTRY_TOKEN=... npm run import:registry -- FILE.csv --mode skip-bad-rows --credentials-out secrets.csv`:
 * bulk onboarding from the command line, as a municipality administrator (the token). Posts the file to the registry's POST /api/imports
 * and draws a progress bar as the registry applies the rows; prints every bad row with its line
 * and reason, and writes the new devices' MQTT secrets to --credentials-out (mode 600; never
 * printed). Exit code 0 when every row was applied, 1 when a row was bad or the file refused.
 */
import { parseArgs } from 'node:util';
import { importCsvFile, progressBar, writeCredentials } from './registry-import/import-client';

const MODES = ['all-or-nothing', 'skip-bad-rows'] as const;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mode: { type: 'string', default: 'all-or-nothing' },
    'registry-url': { type: 'string', default: process.env.REGISTRY_URL ?? 'http://127.0.0.1:3002' },
    'credentials-out': { type: 'string' },
    token: { type: 'string', default: process.env.REGISTRY_TOKEN },
    help: { type: 'boolean', default: false },
  },
});

const usage = `usage: import-registry-csv FILE.csv --credentials-out SECRETS.csv [--mode ${MODES.join('|')}] [--registry-url URL] [--token T (default: REGISTRY_TOKEN)]`;

async function main(): Promise<number> {
  const mode = values.mode as (typeof MODES)[number];
  const credentialsOut = values['credentials-out'];
  if (values.help || positionals.length !== 1 || !MODES.includes(mode) || !credentialsOut || !values.token) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const draw = (done: number, total: number) => {
    // On a terminal the bar redraws in place; in a log, one line per tenth.
    if (process.stderr.isTTY) process.stderr.write(`\r${progressBar(done, total)}`);
    else if (done === total || done % Math.max(1, Math.ceil(total / 10)) === 0)
      process.stderr.write(`${progressBar(done, total)}\n`);
  };
  const report = await importCsvFile({
    file: positionals[0],
    mode,
    registryUrl: values['registry-url'] as string,
    token: values.token as string,
    onProgress: draw,
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  for (const error of report.errors) process.stdout.write(`line ${error.line}: ${error.reason}\n`);
  if (report.created.length > 0) await writeCredentials(credentialsOut, report);
  const outcome = report.rolledBack ? 'nothing applied (all-or-nothing)' : `${report.applied} applied`;
  process.stdout.write(
    `${report.rows} rows: ${outcome}, ${report.errors.length} bad${report.created.length ? `; secrets in ${credentialsOut}` : ''}\n`,
  );
  return report.errors.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`\nimport-registry-csv: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
