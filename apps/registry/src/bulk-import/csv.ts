/** One data row of a CSV file, with the line it starts on (the header is line 1). */
export interface CsvRow {
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * RFC 4180 CSV: comma-separated, fields in double quotes may hold commas, line breaks and
 * doubled quotes; CRLF or LF; a UTF-8 byte-order mark (as Excel writes) is dropped; blank
 * lines are skipped. Line numbers count physical lines, so they match the admin's editor.
 */
export function parseCsv(text: string): { header: string[]; rows: CsvRow[] } {
  const records = splitRecords(text.replace(/^\uFEFF/, ''));
  const nonBlank = records.filter((record) => !(record.cells.length === 1 && record.cells[0].trim() === ''));
  if (nonBlank.length === 0) throw new CsvSyntaxError(1, 'the file is empty; the first line must name the columns');
  const [header, ...rows] = nonBlank;
  return { header: header.cells.map((cell) => cell.trim().toLowerCase()), rows };
}

function splitRecords(text: string): CsvRow[] {
  const records: CsvRow[] = [];
  let cells: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteOpenedOn = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
      quoteOpenedOn = line;
    } else if (char === ',') {
      cells.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      records.push({ line: recordLine, cells: [...cells, field] });
      cells = [];
      field = '';
      line++;
      recordLine = line;
    } else field += char;
  }
  if (quoted) throw new CsvSyntaxError(quoteOpenedOn, 'a quoted field is never closed');
  if (field !== '' || cells.length > 0) records.push({ line: recordLine, cells: [...cells, field] });
  return records;
}
