/**
 * The home page's data, for viewers and administrators alike: `GET /overview` (today at a glance,
 * shaped by the caller's role in `OverviewService`) and `GET /events/:id/crop.jpg` (the face a
 * recognition event kept; who may see which is `EventLogService`'s rule).
 */
import { Router, type Request } from 'express';
import { ErrorCode, RollcallError } from '../core/index.js';
import type { UserRole } from '../store/index.js';
import type { OverviewAnswer } from './api-views.js';
import { routeId, STORE_ID } from './body.js';
import type { EventsPort, OverviewPort } from './types.js';
import { sniffImageType } from './uploads.js';

function roleOf(req: Request): UserRole {
  if (!req.user) throw new RollcallError(ErrorCode.Unauthenticated, 'sign in first');
  return req.user.role;
}

export function createOverviewRouter(deps: { overview: OverviewPort; events: EventsPort }): Router {
  const router = Router();

  router.get('/overview', async (req, res) => {
    // Never cached: the page polls it for what changed.
    res
      .set('Cache-Control', 'no-store')
      .json((await deps.overview.overview(roleOf(req))) satisfies OverviewAnswer);
  });

  router.get('/events/:id/crop.jpg', async (req, res) => {
    const crop = await deps.events.crop(routeId(req, STORE_ID), roleOf(req));
    // Crops come from the nodes as JPEG; the type is still read from the bytes, never assumed.
    res
      .type(sniffImageType(crop) ?? 'application/octet-stream')
      .set('Cache-Control', 'private, max-age=3600')
      .send(Buffer.from(crop));
  });

  return router;
}
