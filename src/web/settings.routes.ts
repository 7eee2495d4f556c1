/**
 * `/api/v1/settings` (admin only): what the recognition nodes and attendance run with. A save is
 * validated, stored and pushed to every connected node; the answer says how many took it. Both
 * answers carry `calibration`: the thresholds the policy gives for the gallery now and the rate of
 * strangers named they predict. `POST /settings/reset` puts the configuration's defaults back,
 * saved and pushed like any save.
 */
import { Router } from 'express';
import type { SettingsAnswer, SettingsSavedAnswer } from './api-views.js';
import type { SettingsPort } from './types.js';

export function createSettingsRouter(deps: { settings: SettingsPort }): Router {
  const router = Router();

  router.get('/settings', async (_req, res) => {
    res.json({
      settings: deps.settings.current(),
      calibration: await deps.settings.calibration(),
    } satisfies SettingsAnswer);
  });

  router.put('/settings', async (req, res) => {
    const saved = await deps.settings.update(req.body);
    res.json({ ...saved, calibration: await deps.settings.calibration() } satisfies SettingsSavedAnswer);
  });

  // A route of its own rather than a PUT of the defaults: the page does not know the configuration's
  // defaults, and the service saves them over everything stored, whatever another node saved since.
  router.post('/settings/reset', async (_req, res) => {
    const saved = await deps.settings.reset();
    res.json({ ...saved, calibration: await deps.settings.calibration() } satisfies SettingsSavedAnswer);
  });

  return router;
}
