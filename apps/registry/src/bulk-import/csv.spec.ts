import { CsvSyntaxError, parseCsv } from './csv';

describe('parseCsv', () => {
  it('reads the header in lower case and rows with their line numbers, skipping blank lines', () => {
    const parsed = parseCsv('\uFEFFName,Phone\r\nKari,123\r\n\r\nOla,456\n');
    expect(parsed.header).toEqual(['name', 'phone']);
    expect(parsed.rows).toEqual([
      { line: 2, cells: ['Kari', '123'] },
      { line: 4, cells: ['Ola', '456'] },
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields, and counts those lines', () => {
    const parsed = parseCsv('a,b\n"x, y","say ""hei"""\n"two\nlines",z\nlast,row');
    expect(parsed.rows).toEqual([
      { line: 2, cells: ['x, y', 'say "hei"'] },
      { line: 3, cells: ['two\nlines', 'z'] },
      { line: 5, cells: ['last', 'row'] },
    ]);
  });

  it('refuses an unclosed quote with the line it opened on, and an empty file', () => {
    expect(() => parseCsv('a\n"open\nstill')).toThrow(new CsvSyntaxError(2, 'a quoted field is never closed'));
    expect(() => parseCsv('\n\n')).toThrow(CsvSyntaxError);
  });
});
