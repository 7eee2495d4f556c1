/**
 * Settings: the recognition and attendance settings, saved and pushed to every connected node (or
 * put back to the configuration's defaults, after a confirmation), and the thresholds in force
 * explained with the stranger rate they predict. The server's messages name each field by its label.
 */
import type { CalibrationView, SettingsAnswer, SettingsSavedAnswer, SettingsView } from '../../api-views.js';
import { SETTINGS_IDS as ID } from '../../page-ids.js';
import { api, json } from '../lib/api.js';
import { byId, el, errorText } from '../lib/dom.js';

const form = byId(ID.form, HTMLFormElement);
const state = byId(ID.state, HTMLElement);
const calibrationText = byId(ID.calibration, HTMLElement);
const zones = byId(ID.timeZone, HTMLSelectElement);
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
  selectZone(settings.timeZone);
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

/** Selects `zone`; one the server's list lacks (a saved alias) is added, so saving keeps it. */
function selectZone(zone: string): void {
  if (![...zones.options].some((option) => option.value === zone)) {
    zones.prepend(el('option', { value: zone }, zone));
  }
  zones.value = zone;
}

/** Shows a saved (or reset) answer. */
function show({ settings, pushedTo, calibration }: SettingsSavedAnswer, what: string): void {
  fill(settings);
  explain(calibration);
  state.className = 'ok';
  state.textContent = `${what} Sent to ${pushedTo} connected recognition node(s); others get them when they connect.`;
}

/** Runs a save or a reset with the buttons off, and shows what the server said. */
function send(request: () => Promise<SettingsSavedAnswer>, what: string): void {
  const buttons = [...form.querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  void (async () => {
    try {
      show(await request(), what);
    } catch (error) {
      state.className = 'error';
      state.textContent = errorText(error);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  })();
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
  body.timeZone = zones.value;
  send(() => api<SettingsSavedAnswer>('/api/v1/settings', json('PUT', body)), 'Saved.');
});

byId(ID.reset, HTMLButtonElement).addEventListener('click', () => {
  const sure = confirm(
    'Put every setting on this page back to the defaults Rollcall was started with? What was saved here is replaced, and the nodes get the defaults at once.',
  );
  if (!sure) return;
  send(() => api<SettingsSavedAnswer>('/api/v1/settings/reset', json('POST', {})), 'Defaults restored.');
});
