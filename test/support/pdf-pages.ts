import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../../infra/src/repo-root';

/** Debian's poppler-utils: renders PDF pages to PNG so tests (and people) can look at them. */
const PDFTOPPM = '/usr/bin/pdftoppm';

/** Where report tests leave their PDFs and page images (test artifacts, not in git). */
export const REPORT_DIR = join(repoRoot(), 'test-results', 'reports');

/** Installs poppler-utils when pdftoppm is missing, as root or through sudo (like Chromium in browser.ts). */
export function ensurePdftoppm(): void {
  if (existsSync(PDFTOPPM)) return;
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) =>
    execFileSync(asRoot ? args[0] : 'sudo', asRoot ? args.slice(1) : ['-n', ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    run(['apt-get', 'install', '-y', '-qq', 'poppler-utils']);
  } catch {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', 'poppler-utils']);
  }
  if (!existsSync(PDFTOPPM)) throw new Error(`apt-get installed poppler-utils but ${PDFTOPPM} is still missing`);
}

/** Saves the PDF as `name.pdf` and its pages as `name-N.png` (100 dpi) under test-results/reports; returns the PNG paths. */
export async function renderPdfPages(pdf: Buffer, name: string): Promise<string[]> {
  ensurePdftoppm();
  await mkdir(REPORT_DIR, { recursive: true });
  const pdfPath = join(REPORT_DIR, `${name}.pdf`);
  await writeFile(pdfPath, pdf);
  execFileSync(PDFTOPPM, ['-png', '-r', '100', pdfPath, join(REPORT_DIR, name)]);
  return (await readdir(REPORT_DIR))
    .filter((file) => file.startsWith(`${name}-`) && file.endsWith('.png'))
    .sort()
    .map((file) => join(REPORT_DIR, file));
}
