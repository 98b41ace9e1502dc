import { readFile, writeFile } from 'node:fs/promises';

export interface ImportReport {
  mode: string;
  rows: number;
  applied: number;
  rolledBack: boolean;
  errors: { line: number; reason: string }[];
  created: { line: number; residentId: string; deviceId: string; secret: string }[];
}

export interface ImportOptions {
  file: string;
  mode: 'all-or-nothing' | 'skip-bad-rows';
  registryUrl: string;
  /** A municipality administrator's bearer token (locally: npm run token -- --role municipality-admin ...). */
  token: string;
  /** Called with each progress line the registry streams (rows handled so far). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Posts a CSV file to the registry's bulk import and reads its NDJSON answer: progress lines
 * while rows are applied, the report last. Throws with the registry's message when the whole
 * file is refused.
 */
export async function importCsvFile(options: ImportOptions): Promise<ImportReport> {
  const csv = await readFile(options.file, 'utf8');
  const response = await fetch(
    `${options.registryUrl.replace(/\/$/, '')}/api/imports?mode=${encodeURIComponent(options.mode)}`,
    {
      method: 'POST',
      body: csv,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        accept: 'application/x-ndjson',
        authorization: `Bearer ${options.token}`,
      },
    },
  );
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { message?: string | string[] };
    throw new Error(
      `the registry refused the file (${response.status}): ${[body.message ?? response.statusText].flat().join('; ')}`,
    );
  }
  for await (const line of ndjsonLines(response.body)) {
    const parsed = JSON.parse(line) as {
      progress?: { done: number; total: number };
      report?: ImportReport;
      error?: string;
    };
    if (parsed.progress) options.onProgress?.(parsed.progress.done, parsed.progress.total);
    if (parsed.error) throw new Error(`the import failed on the registry: ${parsed.error}`);
    if (parsed.report) return parsed.report;
  }
  throw new Error('the registry ended the answer without a report');
}

async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    yield* lines.filter((line) => line.trim() !== '');
  }
  if (buffered.trim() !== '') yield buffered;
}

/** `[##########..........]  50% 5/10 rows`: the bar is as wide as `width` characters. */
export function progressBar(done: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${done}/${total} rows`;
}

/** The new devices' secrets go to a file only its owner can read, never to the terminal. */
export async function writeCredentials(path: string, report: ImportReport): Promise<void> {
  const lines = [
    'line,device_id,resident_id,secret',
    ...report.created.map((row) => `${row.line},${row.deviceId},${row.residentId},${row.secret}`),
  ];
  await writeFile(path, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
}
