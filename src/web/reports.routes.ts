/**
 * `/api/v1/reports`: attendance by session over any range of days (at most a school year), for a
 * group (`/reports/groups/:id`, as JSON, CSV or XLSX) or for a person across their groups
 * (`/reports/people/:id`). Everyone signed in reads them, as they read attendance. The counting is
 * `GroupReportService`'s; the tables the files hold are `reportTables`'.
 */
import { Router, type Request } from 'express';
import { reportTables, type GroupReport, type PersonHistory } from '../services/index.js';
import { csvRow } from './csv.js';
import { parseDayRange } from './query.js';
import { routeId, STORE_ID } from './body.js';
import type { ReportsPort, AttendanceReportPort } from './types.js';
import { xlsxWorkbook } from './xlsx.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A file name made of the group's name: letters, digits and dashes only. */
function fileStem(report: GroupReport): string {
  const name = report.group.name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `attendance-${name || 'group'}-${report.from}-to-${report.to}`;
}

export function createReportsRouter(deps: {
  reports: ReportsPort;
  attendance: AttendanceReportPort;
}): Router {
  const router = Router();
  const range = (req: Request) => parseDayRange(req.query, deps.attendance.today());

  const groupReport = async (req: Request): Promise<GroupReport> => {
    const { from, to } = range(req);
    return deps.reports.group(routeId(req, STORE_ID), from, to);
  };

  router.get('/reports/groups/:id.csv', async (req, res) => {
    const report = await groupReport(req);
    const { sessions } = reportTables(report);
    res.type('text/csv; charset=utf-8');
    res.attachment(`${fileStem(report)}.csv`);
    // The byte order mark makes Excel read the file as UTF-8 (names with accents).
    res.send(`\uFEFF${[sessions.header, ...sessions.rows].map((row) => csvRow(row)).join('')}`);
  });

  router.get('/reports/groups/:id.xlsx', async (req, res) => {
    const report = await groupReport(req);
    const { summary, sessions } = reportTables(report);
    const file = await xlsxWorkbook([summary, sessions]);
    res.type(XLSX_TYPE);
    res.attachment(`${fileStem(report)}.xlsx`);
    res.send(file);
  });

  // After the file routes: `:id` alone would take `ID.csv` as an id.
  router.get('/reports/groups/:id', async (req, res) => {
    res.json((await groupReport(req)) satisfies GroupReport);
  });

  router.get('/reports/people/:id', async (req, res) => {
    const { from, to } = range(req);
    res.json((await deps.reports.person(routeId(req, STORE_ID), from, to)) satisfies PersonHistory);
  });

  return router;
}
