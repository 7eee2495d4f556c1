/**
 * `/api/v1/settings` (admin only): what the recognition nodes and attendance run with. A save is
 * validated, stored and pushed to every connected node; the answer says how many took it.
 */
import { Router } from 'express';
import type { SettingsPort } from './types.js';

export function createSettingsRouter(deps: { settings: SettingsPort }): Router {
  const router = Router();

  router.get('/settings', (_req, res) => {
    res.json({ settings: deps.settings.current() });
  });

  router.put('/settings', async (req, res) => {
    res.json(await deps.settings.update(req.body));
  });

  return router;
}
