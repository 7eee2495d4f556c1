import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/** Whether a process with this pid is alive; any answer but "no such process" fails the test. */
export function processExists(pid: number | undefined): boolean {
  assert.ok(pid !== undefined, 'the process was spawned');
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

/** Whether `pid` is running: alive and not a zombie waiting for a parent (an orphan's may never come). */
export function processRunning(pid: number): boolean {
  if (!processExists(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) STATE …": comm may hold spaces and parentheses, the state follows the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
