/**
 * waitForExit: a child's own exit ends the wait at once (the session's end used to wait out
 * a 25 ms poll for each worker that was still exiting after its result), and the poll still
 * covers processes that are not our children.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitForExit } from '../../src/engine/process/terminate.js';
import { isPidAlive } from '../../src/util/fs.js';

describe('waitForExit', () => {
  it('ends when the exit promise settles, whatever the pid probe says', async () => {
    // This test process is alive throughout: only the promise can make the answer true.
    await expect(waitForExit(process.pid, 1_000, Promise.resolve())).resolves.toBe(true);
  });

  it('without one, polls and reports a live process as not gone', async () => {
    await expect(waitForExit(process.pid, 60)).resolves.toBe(false);
  });

  it('sees a real child go, through its exit event', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    expect(isPidAlive(child.pid!)).toBe(true);
    await expect(waitForExit(child.pid!, 30_000, exited)).resolves.toBe(true);
    expect(isPidAlive(child.pid!)).toBe(false);
  });

  it('sees a process that is not its child go, by polling', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300)'], { stdio: 'ignore' });
    await expect(waitForExit(child.pid!, 30_000)).resolves.toBe(true);
  });
});
