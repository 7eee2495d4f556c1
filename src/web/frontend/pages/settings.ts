/**
 * Settings: the recognition and attendance settings, saved and pushed to every connected node, and
 * the thresholds in force explained with the stranger rate they predict.
 */
import type { CalibrationView, SettingsAnswer, SettingsSavedAnswer, SettingsView } from '../../api-views.js';
import { SETTINGS_IDS as ID } from '../../page-ids.js';
import { api, json } from '../lib/api.js';
import { byId, el, errorText } from '../lib/dom.js';

const form = byId(ID.form, HTMLFormElement);
const state = byId(ID.state, HTMLElement);
const calibrationText = byId(ID.calibration, HTMLElement);
const input = (id: string) => byId(id, HTMLInputElement);
const NUMBERS = [
  'consensusFrames',
  'sightingIntervalS',
  'retentionDays',
] as const satisfies readonly (keyof SettingsView & keyof typeof ID)[];
const THRESHOLDS = ['matchThreshold', 'unknownThreshold'] as const satisfies readonly (keyof SettingsView &
  keyof typeof ID)[];

const percent = (rate: number) =>
  rate < 0.00001 ? 'less than 0.001%' : `${(rate * 100).toFixed(rate < 0.001 ? 3 : rate < 0.1 ? 2 : 1)}%`;

function fill(settings: SettingsView): void {
  for (const key of NUMBERS) input(ID[key]).value = String(settings[key]);
  input(ID.timeZone).value = settings.timeZone;
  input(ID.strangerRatePercent).value = String(+(settings.strangerRateTarget * 100).toFixed(4));
  for (const key of THRESHOLDS) {
    const value = settings[key];
    input(ID[key]).value = value === null ? '' : String(value);
  }
  byId(ID.manualThresholds, HTMLDetailsElement).open = settings.matchThreshold !== null;
}

function explain(calibration: CalibrationView | null): void {
  if (!calibration) {
    calibrationText.textContent = '';
    return;
  }
  const people = `${calibration.people} enrolled ${calibration.people === 1 ? 'person' : 'people'}`;
  const thresholds = `match below ${calibration.match.toFixed(3)}, unknown from ${calibration.unknown.toFixed(3)} (${calibration.model} model)`;
  if (calibration.basis === 'prior') {
    calibrationText.textContent = `With ${people} the gallery is too small to measure itself; the model's cautious defaults apply: ${thresholds}.`;
  } else {
    const rate = calibration.expectedStrangerRate;
    const expected =
      rate === null
        ? 'not yet measurable (nobody enrolled)'
        : (rate < 0.00001 ? '' : 'about ') + percent(rate);
    calibrationText.textContent = `${calibration.basis === 'fixed' ? 'Set by hand: ' : `Calibrated for ${people}: `}${thresholds}. Expected strangers named: ${expected}.`;
  }
}

// Absent from older browsers, whatever the library types say.
if ((Intl as Partial<typeof Intl>).supportedValuesOf) {
  byId(ID.timeZones, HTMLDataListElement).replaceChildren(
    ...Intl.supportedValuesOf('timeZone').map((zone) => el('option', { value: zone })),
  );
}

api<SettingsAnswer>('/api/v1/settings').then(
  ({ settings, calibration }) => {
    fill(settings);
    explain(calibration);
  },
  (error: unknown) => {
    state.className = 'error';
    state.textContent = errorText(error);
  },
);

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const body: Record<string, number | string | null> = {};
  for (const key of NUMBERS) body[key] = Number(input(ID[key]).value);
  body.strangerRateTarget = Number(input(ID.strangerRatePercent).value) / 100;
  for (const key of THRESHOLDS) {
    const value = input(ID[key]).value.trim();
    body[key] = value === '' ? null : Number(value);
  }
  body.timeZone = input(ID.timeZone).value.trim();
  const button = form.querySelector('button');
  if (button) button.disabled = true;
  void (async () => {
    try {
      const { settings, pushedTo, calibration } = await api<SettingsSavedAnswer>(
        '/api/v1/settings',
        json('PUT', body),
      );
      fill(settings);
      explain(calibration);
      state.className = 'ok';
      state.textContent = `Saved. Sent to ${pushedTo} connected recognition node(s); others get them when they connect.`;
    } catch (error) {
      state.className = 'error';
      state.textContent = errorText(error);
    } finally {
      if (button) button.disabled = false;
    }
  })();
});
