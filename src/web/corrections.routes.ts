/**
 * `/api/v1/attendance/corrections`: attendance changed by hand, with who and why. Everyone signed in
 * may read a day's corrections (they explain the list); only administrators make them.
 */
import { Router } from 'express';
import type { CorrectionAnswer, CorrectionsAnswer } from './api-views.js';
import { requireRole } from './auth.js';
import { fields, invalid, optionalString, STORE_ID } from './body.js';
import { parseDay, parsePage, single } from './query.js';
import type { CorrectionsPort } from './types.js';

/** Longest reason kept; a sentence or two is what a report needs. */
const MAX_REASON_LENGTH = 500;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function time(body: Record<string, unknown>, field: string): string {
  const value = optionalString(body, field);
  if (value === undefined || !TIME.test(value))
    throw invalid(`${field}: give the time as HH:MM (24-hour clock)`);
  return value;
}

export function createCorrectionsRouter(deps: { corrections: CorrectionsPort }): Router {
  const router = Router();

  router.get('/attendance/corrections', async (req, res) => {
    const dateText = single(req.query, 'date');
    const date = dateText === undefined ? undefined : parseDay(dateText, 'date');
    res.json((await deps.corrections.day(date, parsePage(req.query))) satisfies CorrectionsAnswer);
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
    const request = { personId, day, by: req.user?.name ?? 'unknown', reason };
    const correction = await deps.corrections.correct(
      body.present
        ? { ...request, present: true, checkIn: time(body, 'checkIn'), checkOut: time(body, 'checkOut') }
        : { ...request, present: false },
    );
    res.status(201).json({ correction } satisfies CorrectionAnswer);
  });

  return router;
}
