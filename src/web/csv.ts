/**
 * CSV as spreadsheets read it (RFC 4180): every cell quoted when needed, CRLF line ends, and cells
 * that a spreadsheet would run as a formula neutralised.
 */

/**
 * A cell starting with one of these is a formula to Excel, LibreOffice and Sheets (CSV injection,
 * e.g. a person named `=HYPERLINK(…)`); tab and CR start formulas in some of them too.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvCell = string | number | boolean | null | undefined;

/** One cell: formula starts get a leading `'` (shown, not run); quotes, commas and line breaks quote it. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Only text can come from users; a number we wrote (a negative count) stays a number.
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
