/**
 * `rollcall calibrate [--target RATE] [--save] [--json]`: what the gallery in the store
 * (DATA_DIR / MONGODB_URI, as the server uses) means for recognition. It measures how close the
 * enrolled people come to each other, prints the match thresholds for the target rate of strangers
 * named (and for a few other rates, so the trade is visible), and with `--save` stores the target
 * in the settings, from where the web node pushes it to every recognition node.
 */
import type { Config } from '../../config.js';
import { calibrateGallery, type DescriptorModel, type GalleryThresholds } from '../core/index.js';
import { SETTINGS_KEY, settingsFromConfig, settingsSchema } from '../services/index.js';
import { createStore, type Store } from '../store/index.js';

/** Rates shown beside the target, so an admin sees what moving it would do. */
const COMPARED_RATES = [0.1, 0.05, 0.01, 0.001];

export interface CalibrationReport {
  model: DescriptorModel;
  people: number;
  descriptors: number;
  target: number;
  /** The thresholds for the target (or as set by hand in the configuration). */
  thresholds: GalleryThresholds;
  /** The match threshold each compared rate would give, with the same gallery. */
  alternatives: { strangerRateTarget: number; match: number }[];
  /** Whether the target was saved in the settings. */
  saved: boolean;
}

export async function runCalibrate(
  config: Config,
  args: { target?: number; save: boolean; json: boolean },
): Promise<number> {
  const store = await createStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri });
  try {
    const model = config.faceEmbedder;
    const gallery = await store.getGallery(model);
    const target = args.target ?? config.strangerRateTarget;
    // Measured once, asked for every rate shown.
    const calibration = calibrateGallery(gallery.people, model);
    const thresholds = calibration.thresholdsFor({
      strangerRateTarget: target,
      fixed: args.target === undefined ? config.fixedThresholds : undefined,
    });
    const alternatives =
      thresholds.basis !== 'prior'
        ? [...new Set([...COMPARED_RATES, target])]
            .sort((a, b) => b - a)
            .map((rate) => ({
              strangerRateTarget: rate,
              match: calibration.thresholdsFor({ strangerRateTarget: rate }).match,
            }))
        : [];
    let saved = false;
    if (args.save) {
      await saveTarget(store, config, target);
      saved = true;
    }
    const report: CalibrationReport = {
      model,
      people: thresholds.people,
      descriptors: gallery.people.reduce((sum, p) => sum + p.descriptors.length, 0),
      target,
      thresholds,
      alternatives,
      saved,
    };
    const doubled = calibration.expectedStrangerRate(thresholds.match, thresholds.people * 2);
    process.stdout.write(
      args.json ? `${JSON.stringify(report, null, 2)}\n` : formatCalibration(report, doubled),
    );
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * Stores the target over the saved settings (or the configuration's), with the thresholds back
 * under calibration. Written directly, not through the settings service, so that calibrating runs
 * no retention pass as a side effect; a running web node reads it at its next start or save.
 */
async function saveTarget(store: Store, config: Config, target: number): Promise<void> {
  const defaults = settingsFromConfig(config);
  // Merged in the write, so a save a web node makes at the same moment is kept.
  await store.updateSetting(SETTINGS_KEY, (saved) =>
    settingsSchema.parse({
      ...defaults,
      ...(typeof saved === 'object' && saved !== null && !Array.isArray(saved) ? saved : {}),
      strangerRateTarget: target,
      matchThreshold: null,
      unknownThreshold: null,
    }),
  );
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)}%`;
}

function formatCalibration(report: CalibrationReport, doubled: number | null): string {
  const { thresholds: t } = report;
  const lines = [`Gallery: ${report.people} people, ${report.descriptors} descriptors (${report.model})`];
  if (t.basis === 'prior') {
    lines.push(
      `Too few people to measure the gallery; the model's cautious defaults apply: match below ${t.match.toFixed(3)}, unknown from ${t.unknown.toFixed(3)}.`,
    );
  } else {
    lines.push(
      `${t.basis === 'fixed' ? 'Thresholds set by hand' : `Target: strangers named at most ${percent(report.target)}`}: match below ${t.match.toFixed(3)}, unknown from ${t.unknown.toFixed(3)}`,
      `Expected strangers named now: ${t.expectedStrangerRate === null ? 'n/a' : percent(t.expectedStrangerRate)}`,
      'Other targets with this gallery:',
      ...report.alternatives.map(
        (a) => `  ${percent(a.strangerRateTarget).padStart(6)}  match below ${a.match.toFixed(3)}`,
      ),
    );
    if (doubled !== null && report.people > 0) {
      lines.push(
        `With twice as many people and the same threshold, about ${percent(doubled)} would be named.`,
      );
    }
  }
  lines.push(report.saved ? 'Saved: the web node pushes the target to every recognition node.' : '');
  return `${lines.join('\n')}\n`;
}
