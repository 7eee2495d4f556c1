/**
 * The `rollcall` command line: parses the command and its flags, loads the config once, and hands
 * over to the command's module. Exit codes: 0 done, 1 failed, 2 bad usage or config.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config.js';
import {
  CAMERA_FPS_RANGE,
  DESCRIPTOR_MODELS,
  ErrorCode,
  isDescriptorModel,
  MAX_CAMERAS,
  RollcallError,
} from '../core/index.js';
import { runBackup, runRestore } from './backup.command.js';
import { runBenchCommand } from './bench.command.js';
import { runBenchMatcher } from './bench-matcher.command.js';
import { runCalibrate } from './calibrate.command.js';
import { evaluateArgs } from './evaluate-args.js';
import { runEvaluate } from './evaluate.command.js';
import { runImport } from './import.command.js';
import { runProbe } from './probe.command.js';
import { runTokenCreate, runUserAdd } from './users.command.js';
import { runStart } from './start.command.js';

const USAGE = `Usage: rollcall <command> [options]

Commands:
  start [--role all|recognition|web]        Run Rollcall (default role: all, on embedded defaults)
  evaluate --enroll DIR --probe DIR | --open-set DIR [--strangers N] [--seed N]
           [--pairs FILE --images DIR] [--json] [--baseline] [--threads N] [--curve FILE.svg]
           [--target RATE | --match D [--unknown D]] [--embedder fr-feature,face-api]
           [--cache DIR | --no-cache]
                                            Identification: enroll one folder per identity, probe
                                            the rest (--open-set: people with 2+ photos enrolled
                                            and probed, N one-photo people (500) as strangers);
                                            rank-1, wrong names, strangers named, as the gallery
                                            grows and as the threshold moves (--curve draws it).
                                            Verification: LFW pairs.txt, 5-fold accuracy, TAR at
                                            FAR 0.1%, EER. Analyses are cached by photo content
                                            (default DATA_DIR/eval-cache), so a rerun takes
                                            seconds. Thresholds are calibrated per gallery for
                                            --target (default STRANGER_RATE_TARGET) as the live
                                            system does; --match/--unknown fix them instead.
                                            --embedder: one report (and curve
                                            line) per descriptor model. --baseline: also stock
                                            face-api, same run
  bench [--source SRC] [--frames N] [--enroll DIR] [--duration S] [--threads N] [--json]
                                            The live pipeline against a naive one-thread baseline
                                            on the same frames (SRC as CAMERA_SOURCE; default demo),
                                            with and without motion gating
  bench --cameras N [--duration S] [--fps F] [--source SRC] [--threads N] [--json]
                                            N cameras sharing one pool, each offering SRC's frames
                                            at F fps (default 10) for S s (default 30): analysed
                                            fps and p50/p95 latency per camera, memory over time
  bench --static-clip FACES_DIR [--threads N] [--json]
                                            The same on a static-camera clip built from FACES_DIR
                                            (../shared/faces): people come in, stand, leave; adds
                                            the time to first name of each person
  bench --lookalike LFW_DIR [--embedder fr-feature|face-api] [--stranger-rate R]
        [--seconds-per-photo S] [--threads N] [--json]
                                            Look-alike strangers and enrolled people walking past:
                                            named or not, and how fast, pooled vs per-frame
                                            (--stranger-rate: thresholds calibrated on the gallery)
  bench-matcher [--gallery N] [--queries N] [--json]
                                            Time gallery search against a brute-force scan
  probe HOST[:PORT] [--secret S] [--json]   Connect to a recognition node as a web node would,
                                            authenticate, print its status (the first thing to
                                            run when a web node cannot reach a camera PC)
  calibrate [--target RATE] [--save] [--json]
                                            Match thresholds for the enrolled gallery at a target
                                            rate of strangers named (default STRANGER_RATE_TARGET);
                                            --save stores the target in the settings
  import DIR [--threads N] [--json]         Enroll one folder per person (the folder name is the
                                            person's name), with the same photo checks as uploads
  user add NAME --role admin|viewer [--password-stdin]
                                            Create an account (the first admin comes from here)
  token create NAME                         Print a new API token for the user NAME (shown once)
  backup FILE [--json]                      A consistent copy of DATA_DIR's database (and the
                                            secrets a restored install needs) while Rollcall runs
  restore FILE [--json]                     Restore a backup into an empty DATA_DIR
  help                                      Show this text

Configuration comes from the environment and .env (see .env.example).`;

function usageError(message: string): RollcallError {
  return new RollcallError(ErrorCode.UsageInvalid, `${message}\n\n${USAGE}`);
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw usageError(`${flag} must be a whole number of at least 1, got "${value}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'evaluate': {
      const { values } = parseArgs({
        args: rest,
        options: {
          enroll: { type: 'string' },
          probe: { type: 'string' },
          'open-set': { type: 'string' },
          strangers: { type: 'string' },
          seed: { type: 'string' },
          pairs: { type: 'string' },
          images: { type: 'string' },
          json: { type: 'boolean', default: false },
          baseline: { type: 'boolean', default: false },
          threads: { type: 'string' },
          cache: { type: 'string' },
          'no-cache': { type: 'boolean', default: false },
          curve: { type: 'string' },
          target: { type: 'string' },
          match: { type: 'string' },
          unknown: { type: 'string' },
          embedder: { type: 'string' },
        },
      });
      return runEvaluate(config, evaluateArgs(values, config));
    }
    case 'bench': {
      const { values } = parseArgs({
        args: rest,
        options: {
          source: { type: 'string', default: 'demo' },
          frames: { type: 'string' },
          enroll: { type: 'string' },
          duration: { type: 'string' },
          threads: { type: 'string' },
          lookalike: { type: 'string' },
          embedder: { type: 'string' },
          'stranger-rate': { type: 'string' },
          'seconds-per-photo': { type: 'string' },
          cameras: { type: 'string' },
          fps: { type: 'string' },
          'static-clip': { type: 'string' },
          json: { type: 'boolean', default: false },
        },
      });
      const cameras = positiveInt(values.cameras, '--cameras');
      if (cameras !== undefined && cameras > MAX_CAMERAS) {
        throw usageError(`--cameras must be at most ${MAX_CAMERAS}, got ${cameras}`);
      }
      const fps = values.fps === undefined ? undefined : Number(values.fps);
      if (fps !== undefined && !(fps >= CAMERA_FPS_RANGE.min && fps <= CAMERA_FPS_RANGE.max)) {
        throw usageError(
          `--fps must be a number from ${CAMERA_FPS_RANGE.min} to ${CAMERA_FPS_RANGE.max}, got "${values.fps}"`,
        );
      }
      const embedder = values.embedder;
      if (embedder !== undefined && !isDescriptorModel(embedder)) {
        throw usageError(`--embedder must be one of ${DESCRIPTOR_MODELS.join(', ')}, got "${embedder}"`);
      }
      const strangerRate =
        values['stranger-rate'] === undefined ? undefined : Number(values['stranger-rate']);
      if (strangerRate !== undefined && !(strangerRate > 0 && strangerRate < 1)) {
        throw usageError(`--stranger-rate must be between 0 and 1, got "${values['stranger-rate']}"`);
      }
      const secondsPerPhoto =
        values['seconds-per-photo'] === undefined ? undefined : Number(values['seconds-per-photo']);
      if (secondsPerPhoto !== undefined && !(secondsPerPhoto >= 0.1 && secondsPerPhoto <= 10)) {
        throw usageError(
          `--seconds-per-photo must be between 0.1 and 10, got "${values['seconds-per-photo']}"`,
        );
      }
      return runBenchCommand(config, {
        source: values.source,
        // The static clip is played whole unless --frames cuts it.
        frames:
          positiveInt(values.frames, '--frames') ?? (values['static-clip'] === undefined ? 60 : undefined),
        enroll: values.enroll,
        durationS: positiveInt(values.duration, '--duration'),
        threads: positiveInt(values.threads, '--threads'),
        json: values.json,
        lookalike: values.lookalike,
        embedder,
        strangerRate,
        secondsPerPhoto,
        cameras,
        fps,
        staticClip: values['static-clip'],
      });
    }
    case 'bench-matcher': {
      const { values } = parseArgs({
        args: rest,
        options: {
          gallery: { type: 'string', default: '100000' },
          queries: { type: 'string', default: '200' },
          json: { type: 'boolean', default: false },
        },
      });
      return runBenchMatcher({
        descriptors: positiveInt(values.gallery, '--gallery') ?? 100_000,
        queries: positiveInt(values.queries, '--queries') ?? 200,
        json: values.json,
      });
    }
    case 'probe': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { secret: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      const [target, ...extra] = positionals;
      if (target === undefined || extra.length > 0) throw usageError('probe needs exactly one HOST[:PORT]');
      return runProbe(config, {
        target,
        json: values.json,
        ...(values.secret === undefined ? {} : { secret: values.secret }),
      });
    }
    case 'calibrate': {
      const { values } = parseArgs({
        args: rest,
        options: {
          target: { type: 'string' },
          save: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
        },
      });
      const target = values.target === undefined ? undefined : Number(values.target);
      if (target !== undefined && !(target >= 0.0001 && target <= 0.5)) {
        throw usageError(
          `--target must be a rate from 0.0001 to 0.5 (0.01 = one stranger in 100), got "${values.target}"`,
        );
      }
      return runCalibrate(config, {
        save: values.save,
        json: values.json,
        ...(target === undefined ? {} : { target }),
      });
    }
    case 'import': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { threads: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      const [dir, ...extra] = positionals;
      if (dir === undefined || extra.length > 0) throw usageError('import needs exactly one DIR');
      const threads = positiveInt(values.threads, '--threads');
      return runImport(config, { dir, json: values.json, ...(threads === undefined ? {} : { threads }) });
    }
    case 'user': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { role: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } },
      });
      const [sub, name, ...extra] = positionals;
      if (sub !== 'add' || name === undefined || extra.length > 0)
        throw usageError('user add needs exactly one NAME');
      if (values.role === undefined) throw usageError('user add needs --role admin|viewer');
      return runUserAdd(config, { name, role: values.role, passwordStdin: values['password-stdin'] });
    }
    case 'backup':
    case 'restore': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { json: { type: 'boolean', default: false } },
      });
      const [file, ...extra] = positionals;
      if (file === undefined || extra.length > 0) throw usageError(`${command} needs exactly one FILE`);
      return command === 'backup'
        ? runBackup(config, { file, json: values.json })
        : runRestore(config, { file, json: values.json });
    }
    case 'token': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const [sub, name, ...extra] = positionals;
      if (sub !== 'create' || name === undefined || extra.length > 0) {
        throw usageError('token create needs exactly one NAME');
      }
      return runTokenCreate(config, { name });
    }
    case 'start': {
      const { values } = parseArgs({ args: rest, options: { role: { type: 'string', default: 'all' } } });
      const role = values.role;
      if (role !== 'all' && role !== 'recognition' && role !== 'web') {
        throw usageError(`--role must be all, recognition or web, got "${role}"`);
      }
      return runStart(config, role);
    }
    default:
      throw usageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nFix these in the environment or .env (see .env.example).\n`);
      process.exitCode = 2;
    } else if (error instanceof RollcallError) {
      process.stderr.write(`rollcall: ${error.message}\n`);
      process.exitCode = error.code === ErrorCode.UsageInvalid ? 2 : 1;
    } else if (
      error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`rollcall: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(
        `rollcall: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
