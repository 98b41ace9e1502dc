import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configTable, withConfigTable } from './config-table';

/**
 * `npm run docs:config`: writes the configuration table, generated from the services' config
 * classes, between its markers in README.md (run from the repository root, as npm does).
 */
const readmePath = resolve(process.cwd(), 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = withConfigTable(readme, configTable());
if (updated === readme) console.log('README.md: the configuration table is up to date');
else {
  writeFileSync(readmePath, updated);
  console.log('README.md: configuration table written');
}
