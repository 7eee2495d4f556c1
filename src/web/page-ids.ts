/**
 * The contract between the server-rendered pages and their scripts: which script each page loads,
 * and the ids of the elements a script reads or fills. The page builders (`app-pages.ts`,
 * `admin-pages.ts`) and the scripts (`frontend/`) both use these constants, so an id that is
 * renamed on one side only is a compile error. Pure constants: the browser bundles this file.
 */

/** The pages' scripts: each is `frontend/pages/NAME.ts`, bundled to `/assets/NAME.js`. */
export const PAGE_SCRIPTS = [
  'people',
  'person',
  'attendance',
  'nodes',
  'live',
  'unknown-faces',
  'settings',
  'users',
  'home',
  'jobs',
  'groups',
  'roster',
  'webhooks',
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
  externalId: 'person-external-id',
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
  search: 'people-search',
  count: 'people-count',
  noMatch: 'people-no-match',
} as const;

/** One person's page (`/people/:id`); the webcam's ids are the People page's, the pages being apart. */
export const PERSON_IDS = {
  /** Carries the person's id in `data-person-id`. */
  frame: 'person',
  portrait: 'person-portrait',
  title: 'person-title',
  state: 'person-state',
  summary: 'person-summary',
  hint: 'person-hint',
  remove: 'person-delete',
  error: 'person-error',
  photos: 'person-photos',
  photosEmpty: 'person-photos-empty',
  add: 'add-photos',
  files: 'add-photos-files',
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
  zoneNote: 'attendance-zone',
  dayHead: 'day-head',
  checkInHead: 'check-in-head',
  checkOutHead: 'check-out-head',
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
  inView: 'in-view',
  inViewCount: 'in-view-count',
  inViewEmpty: 'in-view-empty',
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

/** The home page; the checklist and review ids are on the administrators' version only. */
export const HOME_IDS = {
  day: 'home-day',
  updated: 'home-updated',
  error: 'home-error',
  checklist: 'home-checklist',
  checklistCount: 'home-checklist-count',
  checklistSteps: 'home-checklist-steps',
  present: 'home-present',
  presentOf: 'home-present-of',
  presentBar: 'home-present-bar',
  presenceNote: 'home-presence-note',
  camerasOnline: 'home-cameras-online',
  camerasNote: 'home-cameras-note',
  reviewPending: 'home-review-pending',
  reviewNote: 'home-review-note',
  arrivalsCount: 'home-arrivals-count',
  arrivals: 'home-arrivals',
  arrivalsEmpty: 'home-arrivals-empty',
  cameras: 'home-cameras',
  camerasEmpty: 'home-cameras-empty',
  reviewFaces: 'home-review-faces',
  reviewEmpty: 'home-review-empty',
} as const;

/** The Jobs page. */
export const JOBS_IDS = {
  filter: 'jobs-filter',
  state: 'jobs-state',
  error: 'jobs-error',
  summary: 'jobs-summary',
  list: 'jobs',
  empty: 'jobs-empty',
  more: 'jobs-more',
} as const;

/** The Groups page; the new-group form and the cameras card are on the administrators' version only. */
export const GROUPS_IDS = {
  error: 'groups-error',
  list: 'groups',
  empty: 'groups-empty',
  create: 'group-create',
  createName: 'group-create-name',
  createRate: 'group-create-rate',
  createNotes: 'group-create-notes',
  createState: 'group-create-state',
  cameras: 'camera-roles',
  camerasEmpty: 'camera-roles-empty',
  camerasState: 'camera-roles-state',
} as const;

/**
 * A group's roster board (`/groups/:id`); the manage section and the excuse dialog are on the
 * administrators' version only. The session form's weekday boxes are named `weekdays`, one per day.
 */
export const ROSTER_IDS = {
  board: 'roster-board',
  title: 'roster-title',
  dayText: 'roster-day-text',
  updated: 'roster-updated',
  error: 'roster-error',
  toolbar: 'roster-toolbar',
  day: 'roster-day',
  previous: 'roster-previous',
  next: 'roster-next',
  today: 'roster-today',
  search: 'roster-search',
  status: 'roster-status',
  sessions: 'roster-sessions',
  none: 'roster-none',
  excuse: 'excuse',
  excuseForm: 'excuse-form',
  excuseWho: 'excuse-who',
  excuseReason: 'excuse-reason',
  excuseCancel: 'excuse-cancel',
  excuseState: 'excuse-state',
  manage: 'roster-manage',
  members: 'group-members',
  memberCount: 'group-members-count',
  membersEmpty: 'group-members-empty',
  membersState: 'group-members-state',
  peopleSearch: 'people-search',
  candidates: 'people-candidates',
  candidatesNote: 'people-candidates-note',
  addMembers: 'add-members',
  sessionList: 'group-sessions',
  sessionsEmpty: 'group-sessions-empty',
  sessionsState: 'group-sessions-state',
  newSession: 'new-session',
  sessionForm: 'session-form',
  sessionFormTitle: 'session-form-title',
  sessionStart: 'session-start',
  sessionEnd: 'session-end',
  lateGrace: 'session-late-grace',
  earlyExitGrace: 'session-early-exit-grace',
  absentBelow: 'session-absent-below',
  checkInWindow: 'session-check-in-window',
  checkOutWindow: 'session-check-out-window',
  everyCamera: 'session-every-camera',
  sessionCameras: 'session-cameras',
  sessionFrom: 'session-from',
  sessionTo: 'session-to',
  holidayDay: 'session-holiday-day',
  holidayAdd: 'session-holiday-add',
  holidays: 'session-holidays',
  sessionError: 'session-error',
  sessionCancel: 'session-cancel',
  groupForm: 'group-form',
  groupName: 'group-name',
  groupRate: 'group-rate',
  groupNotes: 'group-notes',
  groupState: 'group-state',
  deleteGroup: 'delete-group',
  // The attendance report over a range of days (`roster/report.ts`), for everyone.
  report: 'group-report',
  reportRange: 'report-range',
  reportFrom: 'report-from',
  reportTo: 'report-to',
  reportWeek: 'report-week',
  reportMonth: 'report-month',
  reportRangeText: 'report-range-text',
  reportError: 'report-error',
  reportBelow: 'report-below',
  reportMinimum: 'report-minimum',
  reportCsv: 'report-csv',
  reportXlsx: 'report-xlsx',
  reportTable: 'report-table',
  reportEmpty: 'report-empty',
} as const;

/** The webhooks page (`/webhooks`, administrators only). */
export const WEBHOOKS_IDS = {
  error: 'webhooks-error',
  list: 'webhooks',
  empty: 'webhooks-empty',
  create: 'webhook-create',
  url: 'webhook-url',
  urlError: 'webhook-url-error',
  description: 'webhook-description',
  events: 'webhook-events',
  eventsError: 'webhook-events-error',
  createState: 'webhook-create-state',
  secretBox: 'webhook-secret-box',
  secretFor: 'webhook-secret-for',
  secret: 'webhook-secret',
  copySecret: 'webhook-copy-secret',
  copyState: 'webhook-copy-state',
  secretDone: 'webhook-secret-done',
} as const;
