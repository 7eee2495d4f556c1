/**
 * `/api/v1/attendance/corrections`: attendance changed by hand, with who and why. Everyone signed in
 * may read a day's corrections (they explain the list); only administrators make them.
 */
import { Router } from 'express';
import { zonedInstant } from '../core/index.js';
import type { AttendanceCorrection, Store } from '../store/index.js';
import { requireRole } from './auth.js';
import { fields, invalid, optionalString, STORE_ID } from './body.js';
import { parseDay, parsePage, single } from './query.js';

/** Longest reason kept; a sentence or two is what a report needs. */
const MAX_REASON_LENGTH = 500;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function correctionView(c: AttendanceCorrection) {
  return {
    id: c.id,
    person: { id: c.personId, name: c.after?.personName ?? c.before?.personName ?? null },
    day: c.day,
    by: c.by,
    reason: c.reason,
    at: c.at,
    present: c.after !== null,
    firstSeen: c.after?.firstSeen ?? null,
    lastSeen: c.after?.lastSeen ?? null,
  };
}

function time(body: Record<string, unknown>, field: string): string {
  const value = optionalString(body, field);
  if (value === undefined || !TIME.test(value))
    throw invalid(`${field}: give the time as HH:MM (24-hour clock)`);
  return value;
}

export function createCorrectionsRouter(deps: {
  store: Store;
  timeZone: () => string;
  today: () => string;
}): Router {
  const { store } = deps;
  const router = Router();

  router.get('/attendance/corrections', async (req, res) => {
    const dateText = single(req.query, 'date');
    const date = dateText === undefined ? deps.today() : parseDay(dateText, 'date');
    const page = await store.listCorrections({ from: date, to: date, ...parsePage(req.query) });
    res.json({ date, corrections: page.items.map(correctionView), nextOffset: page.nextOffset });
  });

  router.post('/attendance/corrections', requireRole('admin'), async (req, res) => {
    const body = fields(req.body);
    const personId = optionalString(body, 'personId');
    if (personId === undefined || !STORE_ID.test(personId))
      throw invalid('personId: say whose attendance to correct');
    const dayText = optionalString(body, 'day');
    if (dayText === undefined) throw invalid('day: give the day as YYYY-MM-DD');
    const day = parseDay(dayText, 'day');
    if (typeof body.present !== 'boolean')
      throw invalid('present: must be true (was there) or false (was not)');
    const reason = (optionalString(body, 'reason') ?? '').trim();
    if (reason === '') throw invalid('reason: say why the record is corrected');
    if (Array.from(reason).length > MAX_REASON_LENGTH)
      throw invalid(`reason: at most ${MAX_REASON_LENGTH} characters`);
    let change: { firstSeen: string; lastSeen: string } | { remove: true } = { remove: true };
    if (body.present) {
      const zone = deps.timeZone();
      const checkIn = time(body, 'checkIn');
      const checkOut = time(body, 'checkOut');
      if (checkOut < checkIn) throw invalid('checkOut: must not be before checkIn');
      change = { firstSeen: zonedInstant(day, checkIn, zone), lastSeen: zonedInstant(day, checkOut, zone) };
    }
    const correction = await store.correctAttendance({
      personId,
      day,
      by: req.user?.name ?? 'unknown',
      reason,
      change,
    });
    res.status(201).json({ correction: correctionView(correction) });
  });

  return router;
}
