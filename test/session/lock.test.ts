/**
 * The session lock: one live coordinator per session, a dead holder's lock taken over with
 * the epoch bumped, and (issue 12, item 11) two takers that interleave between reading the
 * epoch and claiming the next one: exactly one wins, and the loser is told who.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionOptionsSchema } from '../../src/config.js';
import { SessionLockedError, StaleEpochError } from '../../src/errors.js';
import { createSessionFolder } from '../../src/session/create.js';
import { acquireSessionLock } from '../../src/session/lock.js';
import { readSessionRecord, writeSessionRecord } from '../../src/session/store.js';
import { REPO_ROOT, tempRuntime } from '../support/cli.js';

const runtimes: string[] = [];
const children: number[] = [];
afterEach(() => {
  for (const pid of children.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const r of runtimes.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

async function newSession(): Promise<string> {
  const runtime = tempRuntime('mailroom-lock-');
  runtimes.push(runtime);
  const { dir, record } = await createSessionFolder(runtime, {
    options: SessionOptionsSchema.parse({ task: 'lock test' }),
    provider: 'offline',
    models: { coordinator: 'offline', worker: 'offline', router: 'offline' },
  });
  // Its creator is gone (the test process would otherwise count as a live coordinator).
  const gone = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => gone.once('exit', r));
  await writeSessionRecord(dir, { ...record, coordinatorPid: gone.pid! });
  return dir;
}

/** Takes the session lock in another process and returns its pid once it holds it. */
async function holdInChild(dir: string): Promise<{ pid: number; exited: Promise<void> }> {
  const code = `const { acquireSessionLock } = await import(${JSON.stringify(path.join(REPO_ROOT, 'src/session/lock.ts'))});
await acquireSessionLock(${JSON.stringify(dir)});
process.stdout.write('held\\n');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child.pid!);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.once('exit', (c) => reject(new Error(`lock holder exited early (${c}): ${stderr}`)));
  });
  return { pid: child.pid!, exited };
}

/** A dead coordinator's session: its lock was held by a process that was SIGKILLed. */
async function crashedSession(): Promise<{ dir: string; deadPid: number; deadEpoch: number }> {
  const dir = await newSession();
  const holder = await holdInChild(dir);
  const deadEpoch = (await readSessionRecord(dir)).epoch;
  process.kill(holder.pid, 'SIGKILL');
  await holder.exited;
  return { dir, deadPid: holder.pid, deadEpoch };
}

describe('session lock', () => {
  it('refuses a second coordinator while the holder lives, naming its pid', async () => {
    const dir = await newSession();
    const holder = await holdInChild(dir);
    const err = await acquireSessionLock(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionLockedError);
    expect((err as SessionLockedError).pid).toBe(holder.pid);
    expect((err as Error).message).toContain(`pid ${holder.pid}`);
  });

  it('takes over a dead holder at once, bumps the epoch, and fences the old epoch off', async () => {
    const { dir, deadPid, deadEpoch } = await crashedSession();
    const taken = await acquireSessionLock(dir);
    expect(taken.tookOver).toBe(true);
    expect(taken.previousPid).toBe(deadPid);
    expect(taken.lock.epoch).toBe(deadEpoch + 1);
    expect((await readSessionRecord(dir)).epoch).toBe(deadEpoch + 1);
    await taken.lock.release();
    // A clean release lets the next coordinator in at once, with an epoch of its own.
    const next = await acquireSessionLock(dir);
    expect(next.lock.epoch).toBe(deadEpoch + 2);
    // The earlier holder is fenced: it may not write any more.
    expect(() => taken.lock.assertCurrent()).toThrow(StaleEpochError);
    next.lock.assertCurrent();
    await next.lock.release();
  });

  it('two takers interleaved between reading the epoch and claiming the next: exactly one wins', async () => {
    const { dir, deadEpoch } = await crashedSession();
    // Both takers read the dead holder's state, then wait for each other before claiming.
    let arrived = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const beforeClaim = async () => {
      if (++arrived === 2) openGate();
      await gate;
    };
    const outcomes = await Promise.allSettled([acquireSessionLock(dir, { beforeClaim }), acquireSessionLock(dir, { beforeClaim })]);
    expect(arrived).toBe(2);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const reason = lost[0]!.reason as SessionLockedError;
    expect(reason).toBeInstanceOf(SessionLockedError);
    // The loser names the winner (the same process here, as both ran in the test).
    expect(reason.pid).toBe(process.pid);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireSessionLock>>>).value;
    expect(winner.lock.epoch).toBe(deadEpoch + 1);
    expect((await readSessionRecord(dir)).epoch).toBe(deadEpoch + 1);
    winner.lock.assertCurrent();
    // And the lock on disk is really the winner's: another process is refused, naming it.
    await expect(holdInChild(dir)).rejects.toThrow(`pid ${process.pid}`);
    await winner.lock.release();
  });

  it('the epoch is unique per owner: takers in turn never share one', async () => {
    const { dir, deadEpoch } = await crashedSession();
    const epochs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const held = await acquireSessionLock(dir);
      epochs.push(held.lock.epoch);
      await held.lock.release();
    }
    expect(epochs).toEqual([1, 2, 3, 4, 5].map((n) => deadEpoch + n));
  });
});
