/**
 * A full disk (issue 12, item 17), on a real, small tmpfs mounted by the test (CI runs as
 * root; elsewhere that test is skipped).
 * - The whole runtime folder fills up mid-session: the coordinator stops with one line
 *   that says "no space left on device", no stack trace, no temporary file left behind,
 *   and the session resumes to `completed` once there is room.
 * - Only the coordinator's log is on a full device (/dev/full, which fails every write with
 *   ENOSPC, no root needed): the session is stopped and marked `interrupted` (exit 130),
 *   because session.json can still be written.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileLogger } from '../../src/log.js';
import { LogWriteError } from '../../src/errors.js';
import { killStartedClis, onlySession, readJson, runCli, startCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';

const mounts: string[] = [];
const folders: string[] = [];
afterEach(() => {
  killStartedClis();
  for (const m of mounts.splice(0).reverse()) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      // already unmounted
    }
  }
  for (const f of folders.splice(0)) fs.rmSync(f, { recursive: true, force: true });
});

/** Mounts a tmpfs of `size` at `dir`; false when this machine does not allow it (not root). */
function mountTmpfs(dir: string, size: string): boolean {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return false;
  }
  mounts.push(dir);
  return true;
}

const canMount = (() => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
})();

/** Writes a filler file until the file system refuses another byte. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler.bin');
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

function scriptOutside(delayMs: number): string {
  // The script and its calls log stay on the real disk: the model must not be what fails.
  const dir = tempRuntime('mailroom-full-script-');
  folders.push(dir);
  return writeScript(dir, {
    agents: {
      coordinator: [
        planReply({ subtasks: [{ id: 'only', role: 'research', description: 'Research the one thing', dependsOn: [] }], failurePolicy: 'all' }),
        { ...textReply('FINAL ANSWER'), repeat: true },
      ],
      'w01-research': [textReply('ONLY-OUTPUT', delayMs), { ...textReply('ONLY-OUTPUT'), repeat: true }],
    },
  });
}

/** Temporary files of interrupted atomic writes (the mailboxes' own tmp/ folders aside). */
function leftoverTmpFiles(sessionDir: string): string[] {
  return fs.readdirSync(sessionDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp') && !f.split(path.sep).includes('mailbox'));
}

describe.skipIf(!canMount)('a full disk (real tmpfs)', () => {
  it('the whole runtime fills up mid-session: one clear line, no stack trace, nothing left half-written, and a resume completes', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-full-'));
    folders.push(root);
    expect(mountTmpfs(root, '6m')).toBe(true);
    const runtime = path.join(root, 'runtime');
    const script = scriptOutside(2500);
    const cli = startCli(['--runtime-dir', runtime, '--script', script, '--heartbeat-ms', '300', 'disk full task']);
    const dir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'the session folder');
    await waitFor(() => journalOf(dir).some((e) => e.type === 'started'), 30_000, 'the worker to start');
    // The worker is inside its model call; the disk fills up before it can report.
    const filler = fill(root);
    const done = await cli.done;
    // Interrupted, not failed: nothing is wrong with the task (session.json may not say so: it cannot be written).
    expect(done.code, done.stderr).toBe(130);
    expect(done.stderr).toMatch(/interrupted \(no space left on device/);
    // Plain lines only: no raw stack trace, no unhandled 'error' event.
    expect(done.stderr).not.toMatch(/^\s+at /m);
    expect(done.stderr).not.toMatch(/Unhandled 'error' event/);
    expect(leftoverTmpFiles(dir)).toEqual([]);
    expect(await waitFor(() => findWorkerProcesses(dir).size === 0, 30_000, 'the worker to be gone')).toBe(true);

    // Room again: the session resumes to its end.
    fs.rmSync(filler);
    const resumed = await runCli(['--runtime-dir', runtime, '--resume', 'latest']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('FINAL ANSWER');
    expect(readJson<{ status: string }>(path.join(dir, 'session.json')).status).toBe('completed');
    expect(leftoverTmpFiles(dir)).toEqual([]);
  }, 240_000);
});

describe.skipIf(!fs.existsSync('/dev/full'))('a log file that cannot be written (/dev/full)', () => {
  it("only the coordinator's log is on a full disk: the session stops, marked interrupted, exit 130", async () => {
    const runtime = tempRuntime('mailroom-full-log-');
    folders.push(runtime);
    const script = scriptOutside(0);
    // A session crashed right after its spawn; its worker's result waits in the mailbox.
    const first = startCli(['--runtime-dir', runtime, '--script', script, 'disk full task'], { env: { MAILROOM_CRASH_AT: 'after-spawn' } });
    expect((await first.done).signal).toBe('SIGKILL');
    const dir = onlySession(runtime);
    await waitFor(() => findWorkerProcesses(dir).size === 0, 30_000, 'the worker to finish');
    // The coordinator's log now goes to /dev/full, where every write fails with ENOSPC.
    const log = path.join(dir, 'agents', 'coordinator', 'log.ndjson');
    fs.renameSync(log, `${log}.before`);
    fs.symlinkSync('/dev/full', log);

    const resumed = await runCli(['--runtime-dir', runtime, '--resume', 'latest']);
    expect(resumed.code, resumed.stderr).toBe(130);
    const lines = resumed.stderr.split('\n').filter((l) => /no space left on device/.test(l));
    expect(lines.length, resumed.stderr).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toContain(`free some space, then run: mailroom --resume ${path.basename(dir)}`);
    expect(resumed.stderr).not.toMatch(/^\s+at /m);
    expect(readJson<{ status: string; reason: string }>(path.join(dir, 'session.json'))).toMatchObject({ status: 'interrupted', reason: expect.stringContaining('no space left on device') });
    expect(journalOf(dir).at(-1)).toMatchObject({ type: 'session_ended', status: 'interrupted' });
  }, 240_000);

  it('is reported once through onWriteError, never thrown at the caller', () => {
    const errors: LogWriteError[] = [];
    // /dev/full fails every write with ENOSPC: a full disk without needing one.
    const logger = createFileLogger('/dev/full', { agent: 'test' }, 'info', { onWriteError: (e) => errors.push(e) });
    expect(() => {
      logger.info('one');
      logger.info('two');
    }).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe('no space left on device (writing /dev/full)');
    expect(errors[0]!.code).toBe('E_NO_SPACE');
  });
});
