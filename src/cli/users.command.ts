/**
 * `rollcall user add NAME --role admin|viewer [--password-stdin]` and `rollcall token create NAME`:
 * accounts for the web node, made from the command line, so no install ever ships a default
 * password. They open the same store as the server (`DATA_DIR`, `MONGODB_URI`).
 */
import { randomBytes } from 'node:crypto';
import readline from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { Config } from '../../config.js';
import { ErrorCode, RollcallError, isRollcallError } from '../core/index.js';
import { createStore, type Store, type UserRole } from '../store/index.js';
import { generateApiToken, hashApiToken, hashPassword, passwordProblem } from '../shared/index.js';

/** Where a command reads and writes; tests pass their own. @defaultValue the process's streams */
export interface CommandIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface UserAddOptions {
  name: string;
  /** `admin` or `viewer`, as typed by the user (checked here). */
  role: string;
  /** Read the password from stdin (scripts) instead of prompting on the terminal. */
  passwordStdin: boolean;
  io?: CommandIo;
}

export interface TokenCreateOptions {
  /** The user the token acts as. */
  name: string;
  /** What the token is for, unique per user. @defaultValue `cli-` plus the date and a random suffix */
  label?: string;
  io?: CommandIo;
}

/** A password longer than this on stdin is not a password; stop reading rather than fill memory. */
const MAX_STDIN_BYTES = 64 * 1024;

function defaultIo(): CommandIo {
  return {
    stdin: process.stdin,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}

function usage(message: string): RollcallError {
  return new RollcallError(ErrorCode.UsageInvalid, message);
}

/** All of stdin, without the one line break that `echo` or a here-string adds. */
async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > MAX_STDIN_BYTES) throw usage('--password-stdin: the input is too long to be a password');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
async function promptHidden(io: CommandIo, question: string): Promise<string> {
  const muted = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  const rl = readline.createInterface({ input: io.stdin, output: muted, terminal: true });
  try {
    io.err(question);
    const answer = await rl.question('');
    io.err('\n');
    return answer;
  } finally {
    rl.close();
  }
}

async function readPassword(io: CommandIo, fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin(io.stdin);
  if (io.stdin.isTTY !== true) {
    throw usage('no terminal to ask for the password on: pipe it in with --password-stdin');
  }
  const first = await promptHidden(io, 'Password: ');
  const problem = passwordProblem(first);
  if (problem !== null) throw usage(problem);
  const second = await promptHidden(io, 'Repeat the password: ');
  if (second !== first) throw usage('the two passwords differ');
  return first;
}

async function withStore<T>(config: Config, run: (store: Store) => Promise<T>): Promise<T> {
  const store = await createStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/** Creates a user; returns the exit code. */
export async function runUserAdd(config: Config, options: UserAddOptions): Promise<number> {
  const io = options.io ?? defaultIo();
  const name = options.name.trim();
  if (name === '') throw usage('user add needs a NAME');
  const role = options.role;
  if (role !== 'admin' && role !== 'viewer') throw usage(`--role must be admin or viewer, got "${role}"`);
  const password = await readPassword(io, options.passwordStdin);
  const problem = passwordProblem(password);
  if (problem !== null) throw usage(problem);
  const passwordHash = await hashPassword(password);
  const user = await withStore(config, async (store) => {
    try {
      return await store.createUser({ name, role: role satisfies UserRole, passwordHash });
    } catch (error) {
      if (isRollcallError(error, ErrorCode.StoreConflict)) {
        throw new RollcallError(ErrorCode.StoreConflict, `a user named "${name}" already exists`);
      }
      throw error;
    }
  });
  io.out(`created ${user.role} "${user.name}"\n`);
  return 0;
}

/**
 * Creates an API token for a user and prints it, alone on stdout so scripts can capture it. Only
 * its hash is stored: it cannot be shown again.
 */
export async function runTokenCreate(config: Config, options: TokenCreateOptions): Promise<number> {
  const io = options.io ?? defaultIo();
  const name = options.name.trim();
  if (name === '') throw usage('token create needs the NAME of a user');
  const label =
    options.label ?? `cli-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
  const token = generateApiToken();
  await withStore(config, async (store) => {
    const user = await store.getUserByName(name);
    if (!user) {
      throw new RollcallError(
        ErrorCode.NotFound,
        `no user named "${name}": create one with rollcall user add`,
      );
    }
    if (user.disabled) throw new RollcallError(ErrorCode.UsageInvalid, `the user "${user.name}" is disabled`);
    await store.createApiToken({ userId: user.id, name: label, tokenHash: hashApiToken(token) });
    io.err(
      `API token "${label}" for ${user.role} "${user.name}"; it is shown only this once.\n` +
        'Send it as "Authorization: Bearer TOKEN" to /api/v1.\n',
    );
  });
  io.out(`${token}\n`);
  return 0;
}
