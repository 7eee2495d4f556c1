import assert from 'node:assert/strict';

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
