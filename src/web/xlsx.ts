/**
 * Report tables as an Excel workbook (exceljs): one sheet per table, a bold frozen header row,
 * columns as wide as their content. Text that a spreadsheet would run as a formula is written as
 * text (exceljs writes strings as strings, never formulas), so a person named `=HYPERLINK(…)`
 * stays a name.
 */
import ExcelJS from 'exceljs';
import type { ReportTable } from '../services/index.js';

/** The widest a column gets, in characters: long excuses wrap in the cell instead. */
const MAX_COLUMN_WIDTH = 60;

export async function xlsxWorkbook(tables: readonly ReportTable[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Rollcall';
  for (const table of tables) {
    const sheet = workbook.addWorksheet(table.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.addRow(table.header).font = { bold: true };
    for (const row of table.rows) sheet.addRow(row);
    sheet.columns.forEach((column, index) => {
      const widest = Math.max(...[table.header, ...table.rows].map((row) => String(row[index] ?? '').length));
      column.width = Math.min(MAX_COLUMN_WIDTH, Math.max(8, widest + 2));
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
