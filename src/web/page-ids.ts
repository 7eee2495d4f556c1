/**
 * The contract between the server-rendered pages and their scripts: which script each page loads,
 * and the ids of the elements a script reads or fills. The page builders (`app-pages.ts`,
 * `admin-pages.ts`) and the scripts (`frontend/`) both use these constants, so an id that is
 * renamed on one side only is a compile error. Pure constants: the browser bundles this file.
 */

/** The pages' scripts: each is `frontend/pages/NAME.ts`, bundled to `/assets/NAME.js`. */
export const PAGE_SCRIPTS = [
  'people',
  'attendance',
  'nodes',
  'live',
  'unknown-faces',
  'settings',
  'users',
] as const;
export type PageScript = (typeof PAGE_SCRIPTS)[number];

/** The other files under `/assets` (built next to the scripts), with their content types. */
export const STATIC_ASSETS = {
  'rollcall.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
} as const;
export type StaticAsset = keyof typeof STATIC_ASSETS;

export const PEOPLE_IDS = {
  enroll: 'enroll',
  personName: 'person-name',
  photos: 'photos',
  cameraStart: 'camera-start',
  cameraShoot: 'camera-shoot',
  cameraEnroll: 'camera-enroll',
  cameraState: 'camera-state',
  cameraVideo: 'camera-video',
  cameraShots: 'camera-shots',
  job: 'job',
  jobState: 'job-state',
  jobProgress: 'job-progress',
  jobRefusals: 'job-refusals',
  error: 'people-error',
  list: 'people',
  empty: 'people-empty',
} as const;

export const ATTENDANCE_IDS = {
  range: 'range',
  from: 'from',
  to: 'to',
  today: 'today',
  csv: 'csv',
  error: 'attendance-error',
  chartTitle: 'chart-title',
  chart: 'chart',
  records: 'records',
  recordsEmpty: 'records-empty',
  corrections: 'corrections',
  correctionsEmpty: 'corrections-empty',
  correct: 'correct',
  correctPerson: 'correct-person',
  correctDay: 'correct-day',
  correctPresent: 'correct-present',
  correctIn: 'correct-in',
  correctOut: 'correct-out',
  correctReason: 'correct-reason',
  correctState: 'correct-state',
} as const;

export const NODES_IDS = {
  error: 'nodes-error',
  list: 'nodes',
  empty: 'nodes-empty',
  clockNote: 'nodes-clock-note',
} as const;

export const LIVE_IDS = {
  state: 'live-state',
  cams: 'cams',
  empty: 'cams-empty',
} as const;

export const UNKNOWN_FACES_IDS = {
  filter: 'filter',
  status: 'status',
  peopleNames: 'people-names',
  error: 'faces-error',
  faces: 'faces',
  empty: 'faces-empty',
} as const;

/** The settings form's fields have these ids and the same names. */
export const SETTINGS_IDS = {
  form: 'settings',
  strangerRatePercent: 'strangerRatePercent',
  strangerRateHelp: 'stranger-rate-help',
  calibration: 'calibration',
  manualThresholds: 'manual-thresholds',
  matchThreshold: 'matchThreshold',
  unknownThreshold: 'unknownThreshold',
  consensusFrames: 'consensusFrames',
  sightingIntervalS: 'sightingIntervalS',
  matchHelp: 'match-help',
  unknownHelp: 'unknown-help',
  consensusHelp: 'consensus-help',
  timeZone: 'timeZone',
  retentionDays: 'retentionDays',
  reset: 'settings-reset',
  state: 'settings-state',
} as const;

export const USERS_IDS = {
  list: 'users',
  error: 'users-error',
  add: 'add-user',
  newName: 'new-name',
  newPassword: 'new-password',
  newRole: 'new-role',
  addState: 'add-state',
  reset: 'reset-password',
  resetForm: 'reset-form',
  resetWho: 'reset-who',
  resetPassword: 'reset-new',
  resetConfirm: 'reset-confirm',
  resetCancel: 'reset-cancel',
  resetState: 'reset-state',
  token: 'add-token',
  tokenUser: 'token-user',
  tokenName: 'token-name',
  tokenState: 'token-state',
  newToken: 'new-token',
  newTokenSecret: 'new-token-secret',
  newTokenCopy: 'new-token-copy',
  newTokenDone: 'new-token-done',
  newTokenState: 'new-token-state',
} as const;
