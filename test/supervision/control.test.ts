/**
 * Control of a session from outside: a second coordinator is refused and a stale lock taken
 * over, `mailroom kill` stops a whole session, and Ctrl-C stops it gracefully.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runCli, startCli } from '../support/cli.js';
import { journalOf, planReply, textReply, waitFor } from '../support/script.js';
import { TWO_INDEPENDENT, cleanUpAfterEach, runtimeWithScript } from '../support/supervision-fixture.js';

cleanUpAfterEach();

describe('session control', () => {
  it('refuses a second coordinator on a live session, and takes a stale lock over after kill -9', async () => {
    const env = runtimeWithScript({
      coordinator: [planReply(TWO_INDEPENDENT), textReply('DONE')],
      'w01-research': [textReply('SLOW', 4000)],
      'w02-research': [textReply('QUICK')],
    });
    const first = startCli(['--runtime-dir', env.runtime, '--script', env.script, 'task']);
    const dir = await env.sessionDir();
    await waitFor(() => journalOf(dir).some((e) => e.type === 'spawn'), 60_000, 'a spawn');
    const second = await runCli(['--runtime-dir', env.runtime, '--resume', path.basename(dir)]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`held by a live coordinator (pid ${first.pid})`);
    process.kill(first.pid, 'SIGKILL');
    await first.done;
    const third = await runCli(['--runtime-dir', env.runtime, '--resume', path.basename(dir)]);
    expect(third.code, third.stderr).toBe(0);
    const session = readJson<{ status: string; epoch: number; coordinatorPid: number }>(path.join(dir, 'session.json'));
    expect(session.status).toBe('completed');
    expect(session.epoch).toBe(1);
    expect(session.coordinatorPid).not.toBe(first.pid);
    expect(env.watch.live()).toEqual([]);
  });

  /** A session whose two workers never finish on their own, once both have started. */
  async function twoStuckWorkers() {
    const env = runtimeWithScript({
      coordinator: [planReply(TWO_INDEPENDENT), textReply('DONE')],
      'w01-research': [textReply('NEVER', 60_000)],
      'w02-research': [textReply('NEVER', 60_000)],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, '--shutdown-grace-ms', '1000', 'task']);
    const dir = await env.sessionDir();
    await waitFor(() => journalOf(dir).filter((e) => e.type === 'started').length === 2, 60_000, 'both workers');
    return { env, run, dir };
  }

  it('kills a whole running session from another process', async () => {
    const { env, run, dir } = await twoStuckWorkers();
    const kill = await runCli(['kill', 'latest', '--runtime-dir', env.runtime]);
    expect(kill.code, kill.stderr).toBe(0);
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(readJson<{ status: string }>(path.join(dir, 'session.json')).status).toBe('interrupted');
    expect(env.watch.live()).toEqual([]);
  });

  it('stops gracefully on Ctrl-C (SIGINT): workers shut down, status interrupted', async () => {
    const { env, run, dir } = await twoStuckWorkers();
    process.kill(run.pid, 'SIGINT');
    const done = await run.done;
    expect(done.code).toBe(130);
    expect(done.stderr).toMatch(/interrupting/);
    expect(readJson<{ status: string }>(path.join(dir, 'session.json')).status).toBe('interrupted');
    const steps = journalOf(dir).filter((e) => e.type === 'terminate').map((e) => `${e.agent as string}:${e.step as string}`);
    expect(steps).toContain('w01-research:shutdown');
    expect(steps).toContain('w01-research:gone');
    expect(env.watch.live()).toEqual([]);
  });
});
