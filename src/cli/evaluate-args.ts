/**
 * The flags of `rollcall evaluate`: checked, with their defaults, and turned into what to measure
 * (photo lists, the pairs file) before any engine starts, so a mistake costs no analysis.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.js';
import {
  ErrorCode,
  RollcallError,
  isDescriptorModel,
  parseLfwPairs,
  type DescriptorModel,
} from '../core/index.js';
import type { EvaluateOptions } from './evaluate.command.js';
import { foldersProtocol, openSetProtocol } from './evaluation-protocol.js';

export interface EvaluateArgs {
  enroll?: string;
  probe?: string;
  openSet?: string;
  strangers: number;
  seed: number;
  pairs?: string;
  images?: string;
  json: boolean;
  baseline: boolean;
  threads?: number;
  /** The cache folder; null for `--no-cache`. */
  cache: string | null;
  curve?: string;
  /** How often a stranger may be named: thresholds are calibrated per gallery for it. @defaultValue STRANGER_RATE_TARGET */
  target?: number;
  /** Fixed thresholds instead of calibration. */
  match?: number;
  unknown?: number;
  /** Descriptor models to measure, each with its own report; the first is the headline. @defaultValue the engine's */
  embedders?: DescriptorModel[];
}

/** Checks the flags and reads the pairs file before any engine starts. */
export async function prepareEvaluation(
  args: EvaluateArgs,
): Promise<Pick<EvaluateOptions, 'identification' | 'pairs'>> {
  const folders = args.enroll !== undefined || args.probe !== undefined;
  if (folders && args.openSet !== undefined)
    throw usage('choose either --enroll/--probe or --open-set, not both');
  if ((args.pairs === undefined) !== (args.images === undefined))
    throw usage('--pairs FILE needs --images DIR, and the reverse');
  if (!folders && args.openSet === undefined && args.pairs === undefined) {
    throw usage('evaluate needs --enroll DIR and --probe DIR, --open-set DIR, or --pairs FILE --images DIR');
  }
  if (folders && (!args.enroll || !args.probe)) throw usage('evaluate needs --enroll DIR and --probe DIR');
  if (args.curve !== undefined && !folders && args.openSet === undefined) {
    throw usage(
      '--curve needs identification (--enroll/--probe or --open-set): the curve is rank-1 against strangers named',
    );
  }
  const prepared: Pick<EvaluateOptions, 'identification' | 'pairs'> = {};
  if (args.enroll && args.probe) prepared.identification = await foldersProtocol(args.enroll, args.probe);
  if (args.openSet !== undefined) {
    prepared.identification = await openSetProtocol(args.openSet, {
      strangers: args.strangers,
      seed: args.seed,
    });
  }
  if (args.curve !== undefined)
    await mustBeFolder(path.dirname(path.resolve(args.curve)), '--curve FILE.svg: the folder');
  if (args.pairs !== undefined && args.images !== undefined) {
    await mustBeFolder(args.images, '--images DIR');
    let text: string;
    try {
      text = await readFile(args.pairs, 'utf8');
    } catch (error) {
      throw usage(
        `cannot read the pairs file ${args.pairs} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    prepared.pairs = { parsed: parseLfwPairs(text), imagesDir: path.resolve(args.images) };
  }
  return prepared;
}

async function mustBeFolder(dir: string, what: string): Promise<void> {
  const isFolder = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) throw usage(`${what} ${dir} is not a folder`);
}

function usage(message: string): RollcallError {
  return new RollcallError(ErrorCode.UsageInvalid, message);
}

function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw usage(`${flag} must be a whole number of at least ${min}, got "${value}"`);
  }
  return n;
}

function distance(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw usage(`${flag} must be a distance of at least 0, got "${value}"`);
  }
  return n;
}

function rate(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0.0001 && n <= 0.5)) {
    throw usage(`${flag} must be a rate from 0.0001 to 0.5 (0.01 = one stranger in 100), got "${value}"`);
  }
  return n;
}

function embedderList(value: string | undefined): DescriptorModel[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim());
  const models: DescriptorModel[] = [];
  for (const name of names) {
    if (!isDescriptorModel(name))
      throw usage(`--embedder takes fr-feature and/or face-api, comma-separated; got "${name}"`);
    if (!models.includes(name)) models.push(name);
  }
  return models;
}

/** The flags of `rollcall evaluate`, as `parseArgs` gives them, checked and with their defaults. */
export function evaluateArgs(
  values: Partial<
    Record<
      | 'enroll'
      | 'probe'
      | 'open-set'
      | 'strangers'
      | 'seed'
      | 'pairs'
      | 'images'
      | 'threads'
      | 'cache'
      | 'curve'
      | 'target'
      | 'match'
      | 'unknown'
      | 'embedder',
      string
    >
  > &
    Record<'json' | 'baseline' | 'no-cache', boolean>,
  config: Pick<Config, 'dataDir'>,
): EvaluateArgs {
  if (values['no-cache'] && values.cache !== undefined)
    throw usage('choose either --cache DIR or --no-cache');
  if (values.target !== undefined && (values.match !== undefined || values.unknown !== undefined))
    throw usage('choose either --target RATE (calibrated thresholds) or --match/--unknown (fixed ones)');
  if (values.unknown !== undefined && values.match === undefined) throw usage('--unknown needs --match');
  return {
    enroll: values.enroll,
    probe: values.probe,
    openSet: values['open-set'],
    strangers: wholeNumber(values.strangers, '--strangers', 0) ?? 500,
    seed: wholeNumber(values.seed, '--seed', 0) ?? 1,
    pairs: values.pairs,
    images: values.images,
    json: values.json,
    baseline: values.baseline,
    threads: wholeNumber(values.threads, '--threads', 1),
    cache: values['no-cache'] ? null : (values.cache ?? path.join(config.dataDir, 'eval-cache')),
    curve: values.curve,
    target: rate(values.target, '--target'),
    match: distance(values.match, '--match'),
    unknown: distance(values.unknown, '--unknown'),
    embedders: embedderList(values.embedder),
  };
}
