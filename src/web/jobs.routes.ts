/**
 * `/api/v1/jobs` (admin only): the training and gallery jobs, newest first, filtered by state and
 * paged, and running a failed one again. Which jobs are listed, whose they are and which may run
 * again are `JobListService`'s rules. `GET /jobs/:id` stays in `api.routes.ts`.
 */
import { Router } from 'express';
import { LISTED_JOB_STATES } from '../queues/index.js';
import type { JobRetryAnswer, JobsAnswer } from './api-views.js';
import { requireRole } from './auth.js';
import { JOB_ID, routeId } from './body.js';
import { parseChoice, parsePage } from './query.js';
import type { JobListPort } from './types.js';

/** Jobs a page holds unless the caller asks for another number. */
const DEFAULT_PAGE = 50;

export function createJobsRouter(deps: { jobList: JobListPort }): Router {
  const router = Router();
  const admin = requireRole('admin');

  router.get('/jobs', admin, async (req, res) => {
    const state = parseChoice(req.query, 'state', LISTED_JOB_STATES);
    const page = await deps.jobList.list({
      ...parsePage(req.query, DEFAULT_PAGE),
      ...(state === undefined ? {} : { state }),
    });
    res.json({ jobs: page.items, nextOffset: page.nextOffset, counts: page.counts } satisfies JobsAnswer);
  });

  router.post('/jobs/:id/retry', admin, async (req, res) => {
    const id = routeId(req, JOB_ID);
    const job = await deps.jobList.retry(id);
    res
      .status(202)
      .location(`/api/v1/jobs/${encodeURIComponent(id)}`)
      .json({ job } satisfies JobRetryAnswer);
  });

  return router;
}
