/**
 * Settings an administrator changes at run time: how often a stranger may be named (or thresholds
 * set by hand), consensus, the sighting interval, the attendance time zone and how long face crops
 * are kept. They start from the
 * configuration, are overridden by what was saved in the store, and every change is validated,
 * saved, pushed to every connected recognition node (and to each node that connects later) and
 * applied to retention at once. The periodic retention run is a job (`retention.job.ts`), not a
 * timer here: several web nodes share one store, and it runs once per period for all of them.
 */
import { z } from 'zod';
import type { Config } from '../../config.js';
import {
  ErrorCode,
  isTimeZone,
  RollcallError,
  type DescriptorModel,
  type MatchThresholds,
  type ThresholdPolicy,
} from '../core/index.js';
import type { JsonValue, Store } from '../store/index.js';
import type { Clock } from '../shared/index.js';
import { applyRetention } from './retention.job.js';
import type { RollcallSettings, SettingsCalibration } from './views.js';

export type { RollcallSettings, SettingsCalibration };
import type { ThresholdService } from './thresholds.service.js';

/** What the settings are pushed to: a bridge client (`BridgeClient.sendSettings`). */
export interface SettingsTarget {
  /** Returns false when the node is not connected; it gets the settings when it connects. */
  sendSettings(settings: {
    /** Thresholds set by hand; absent: the node calibrates its own for `strangerRateTarget`. */
    thresholds?: MatchThresholds;
    strangerRateTarget: number;
    consensusFrames: number;
    sightingIntervalS: number;
  }): boolean;
}

export interface SettingsServiceDeps {
  store: Store;
  /** Values used until an administrator saves others (from `config.ts`). */
  defaults: RollcallSettings;
  /** Every recognition node's bridge client, connected or not. */
  targets: () => readonly SettingsTarget[];
  /** Only its time is read. @defaultValue the system clock */
  clock?: Pick<Clock, 'now'>;
  /** A push or the retention pass of a save failed; the next one (or the retention job) tries again. */
  onError?: (error: unknown, what: string) => void;
  /** Where the thresholds for the settings' policy come from, and for which face model. */
  thresholds?: { service: ThresholdService; model: DescriptorModel };
}

/** Face crops (and unreviewed unknown faces) are kept this long unless the settings say otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;

/** The settings an administrator has not changed: what the configuration says. */
export function settingsFromConfig(
  config: Pick<
    Config,
    'strangerRateTarget' | 'fixedThresholds' | 'consensusFrames' | 'sightingIntervalS' | 'timezone'
  >,
): RollcallSettings {
  return {
    strangerRateTarget: config.strangerRateTarget,
    matchThreshold: config.fixedThresholds?.match ?? null,
    unknownThreshold: config.fixedThresholds?.unknown ?? null,
    consensusFrames: config.consensusFrames,
    sightingIntervalS: config.sightingIntervalS,
    timeZone: config.timezone,
    retentionDays: DEFAULT_RETENTION_DAYS,
  };
}

/** The store key under which the saved settings are kept, as one JSON object. */
export const SETTINGS_KEY = 'web.settings';

/**
 * Each setting's name as the Settings page labels it. Errors name a field by its label, so the page
 * and the API say the same thing in words a school administrator knows.
 */
export const SETTING_LABELS = {
  strangerRateTarget: 'Stranger rate',
  matchThreshold: 'Match distance',
  unknownThreshold: 'Unknown from',
  consensusFrames: 'Frames that must agree',
  sightingIntervalS: 'Seconds between sightings',
  timeZone: 'Time zone',
  retentionDays: 'Days to keep face pictures',
} as const satisfies Record<keyof RollcallSettings, string>;

/**
 * Within what the bridge protocol and `config.ts` accept; thresholds are kept to 0.1–1.5, where
 * distances between face descriptors still tell people apart. Messages follow the field's label
 * (see {@link problem}).
 */
export const settingsSchema = z
  .object({
    strangerRateTarget: z
      .number()
      .min(0.0001, 'must be at least 0.0001 (0.01%, one stranger in ten thousand)')
      .max(0.5, 'must be at most 0.5 (50%, one stranger in two)'),
    matchThreshold: z.number().min(0.1, 'must be at least 0.1').max(1.5, 'must be at most 1.5').nullable(),
    unknownThreshold: z.number().min(0.1, 'must be at least 0.1').max(1.5, 'must be at most 1.5').nullable(),
    consensusFrames: z
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100'),
    sightingIntervalS: z
      .int('must be a whole number of seconds')
      .min(1, 'must be at least 1 second')
      .max(86_400, 'must be at most 86400 seconds (a day)'),
    timeZone: z
      .string()
      .max(100, 'is not a time zone: pick one from the list, such as Europe/Berlin')
      .refine(isTimeZone, 'is not a time zone: pick one from the list, such as Europe/Berlin'),
    retentionDays: z
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .max(3650, 'must be at most 3650 days (ten years)'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.matchThreshold === null) !== (s.unknownThreshold === null)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.matchThreshold === null ? 'matchThreshold' : 'unknownThreshold'],
        message: `fill in both distances, or leave both empty to calibrate them from the stranger rate`,
      });
    } else if (
      s.matchThreshold !== null &&
      s.unknownThreshold !== null &&
      s.unknownThreshold < s.matchThreshold
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['unknownThreshold'],
        message: `must be at least the match distance (${s.matchThreshold})`,
      });
    }
  });

/**
 * Settings saved before thresholds were calibrated (they have no `strangerRateTarget`) hold
 * distances in face-api's units, which mean nothing to fr-feature: those two are dropped, so an
 * upgraded site calibrates for the configured target instead of naming nobody (or everybody).
 */
function withoutPreCalibrationThresholds(saved: Record<string, unknown>): Record<string, unknown> {
  if ('strangerRateTarget' in saved) return saved;
  return Object.fromEntries(
    Object.entries(saved).filter(([key]) => key !== 'matchThreshold' && key !== 'unknownThreshold'),
  );
}

/** A field's label, or what the caller sent for a key that is no setting. */
function labelOf(key: PropertyKey | undefined): string {
  return typeof key === 'string' && Object.hasOwn(SETTING_LABELS, key)
    ? SETTING_LABELS[key as keyof RollcallSettings]
    : String(key);
}

/**
 * Every problem of a failed parse, each named by the field's label:
 * `Unknown from: must be at least the match distance (0.5)`.
 */
function problem(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = labelOf(issue.path[0]);
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${key}: not a setting Rollcall knows`).join('; ');
      }
      if (issue.code === 'invalid_type' && issue.expected !== 'int') {
        const nullable = issue.path[0] === 'matchThreshold' || issue.path[0] === 'unknownThreshold';
        const expected = issue.expected === 'string' ? 'text' : `a ${issue.expected}`;
        return `${field}: must be ${expected}${nullable ? ', or empty' : ''}`;
      }
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

export class SettingsService {
  #current: RollcallSettings;

  constructor(private readonly deps: SettingsServiceDeps) {
    this.#current = { ...deps.defaults };
  }

  /**
   * Reads the saved settings over the defaults and puts them in effect. A saved value that is no
   * longer valid (a time zone the runtime dropped) is ignored with the defaults kept for it.
   */
  async start(): Promise<RollcallSettings> {
    this.#current = await this.saved();
    return this.current();
  }

  /**
   * The settings as saved in the store now, over the defaults, without putting them in effect here:
   * for work any web node may run (the retention job), since another node may have saved since
   * this one started.
   */
  async saved(): Promise<RollcallSettings> {
    return this.#fromSaved((await this.deps.store.getSetting(SETTINGS_KEY))?.value ?? null);
  }

  current(): RollcallSettings {
    return { ...this.#current };
  }

  /**
   * Takes in what another web node saved since this one last read the settings: puts it in effect
   * here and sends it to every connected node. Web nodes sharing a store call this now and then
   * (and before greeting a node that connects), so none of them keeps pushing a target it no longer
   * holds. Returns whether anything changed.
   */
  async refresh(): Promise<boolean> {
    const saved = await this.saved();
    const keys = Object.keys(saved) as (keyof RollcallSettings)[];
    if (keys.every((key) => saved[key] === this.#current[key])) return false;
    this.#current = saved;
    this.pushAll();
    return true;
  }

  /** How thresholds are chosen now: from the target, or the pair set by hand. */
  thresholdPolicy(): ThresholdPolicy {
    const { strangerRateTarget, matchThreshold, unknownThreshold } = this.#current;
    return {
      strangerRateTarget,
      fixed:
        matchThreshold === null || unknownThreshold === null
          ? undefined
          : { match: matchThreshold, unknown: unknownThreshold },
    };
  }

  /** What the current policy means for the gallery now; null where no model is known here. */
  async calibration(): Promise<SettingsCalibration | null> {
    const source = this.deps.thresholds;
    if (!source) return null;
    return { model: source.model, ...(await source.service.thresholdsFor(source.model)) };
  }

  /**
   * Validates `patch` over the current settings, saves, pushes to every connected node and runs
   * retention. Returns the settings and how many nodes received them.
   *
   * @throws RollcallError `REQUEST_INVALID` naming the first bad field; nothing is changed then.
   */
  async update(patch: unknown): Promise<{ settings: RollcallSettings; pushedTo: number }> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new RollcallError(ErrorCode.RequestInvalid, 'Settings: send a JSON object of settings');
    }
    // Merged over what is saved now, inside the store's write: a save made a moment ago by another
    // web node (whose change this node has not read) is kept, not overwritten with this node's view.
    const saved = await this.deps.store.updateSetting(SETTINGS_KEY, (value) => {
      const parsed = settingsSchema.safeParse({ ...this.#fromSaved(value), ...patch });
      if (!parsed.success) throw new RollcallError(ErrorCode.RequestInvalid, problem(parsed.error));
      return parsed.data;
    });
    this.#current = settingsSchema.parse(saved.value);
    const pushedTo = this.pushAll();
    // A shorter period applies now, not at the next scheduled run.
    await applyRetention({
      store: this.deps.store,
      rules: () => this.#current,
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
    }).catch((error: unknown) => this.deps.onError?.(error, 'retention'));
    return { settings: this.current(), pushedTo };
  }

  /**
   * Puts every setting back to the configuration's defaults: saved (over whatever is stored, another
   * web node's save included), pushed to every connected node and applied to retention, as a save.
   */
  async reset(): Promise<{ settings: RollcallSettings; pushedTo: number }> {
    return this.update(this.deps.defaults);
  }

  /**
   * The saved settings over the defaults; a saved value that is no longer valid (a time zone the
   * runtime dropped) is ignored with the defaults kept for it, and reported.
   */
  #fromSaved(value: JsonValue | null): RollcallSettings {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ...this.deps.defaults };
    const merged = settingsSchema.safeParse({
      ...this.deps.defaults,
      ...withoutPreCalibrationThresholds(value),
    });
    if (merged.success) return merged.data;
    this.deps.onError?.(new Error(problem(merged.error)), 'saved settings ignored');
    return { ...this.deps.defaults };
  }

  /** Sends the current settings to one node; false when it is not connected. */
  pushTo(target: SettingsTarget): boolean {
    const s = this.#current;
    const { fixed } = this.thresholdPolicy();
    try {
      return target.sendSettings({
        ...(fixed ? { thresholds: fixed } : {}),
        strangerRateTarget: s.strangerRateTarget,
        consensusFrames: s.consensusFrames,
        sightingIntervalS: s.sightingIntervalS,
      });
    } catch (error) {
      this.deps.onError?.(error, 'settings push');
      return false;
    }
  }

  /** Sends the current settings to every connected node; returns how many took them. */
  pushAll(): number {
    return this.deps.targets().filter((target) => this.pushTo(target)).length;
  }
}
