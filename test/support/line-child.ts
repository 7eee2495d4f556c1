/**
 * A child process whose standard output is read as lines, for tests that kill processes and then
 * check what each one had promised before it died.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class LineChild {
  readonly lines: string[] = [];
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  #stderr = '';
  #waiters: (() => void)[] = [];

  /** `env` overlays the test's environment; a key set to undefined is removed from it. */
  constructor(command: string, args: string[], env: Record<string, string | undefined> = {}) {
    const merged = Object.fromEntries(
      Object.entries({ ...process.env, ...env }).filter(([key]) => !(key in env) || env[key] !== undefined),
    );
    this.process = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: merged });
    let partial = '';
    this.process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-20_000);
    });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', () => {
        resolve();
      });
    });
    void this.exited.then(() => {
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Resolves once `predicate(lines)` holds; fails if the child exits or `timeoutMs` pass first. */
  async waitFor(predicate: (lines: readonly string[]) => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.lines)) {
      if (!this.running) {
        throw new Error(
          `child exited (${this.process.exitCode ?? this.process.signalCode}): ${this.#stderr}\n${this.lines.slice(-20).join('\n')}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`timed out; child stderr: ${this.#stderr}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** Sends `signal` (SIGKILL: no chance to clean up) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.process.kill(signal);
    await this.exited;
  }

  /** The rest of every line that starts with `PREFIX `. */
  valuesOf(prefix: string): string[] {
    return this.lines
      .filter((line) => line.startsWith(`${prefix} `))
      .map((line) => line.slice(prefix.length + 1));
  }
}
