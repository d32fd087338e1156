/**
 * Supervision of workers with real processes and real signals: a worker killed with
 * SIGKILL mid-turn, a hung tool, workers deaf to `shutdown` or SIGTERM, and two
 * coordinators on one session.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanInput } from '../../src/coordinator/plan.js';
import { killStartedClis, onlySession, readJson, runCli, startCli, tempRuntime } from '../support/cli.js';
import { callsByAgent, journalOf, planReply, textReply, toolReply, waitFor, writeScript } from '../support/script.js';
import { WorkerWatch } from '../support/watch-workers.js';
import { isPidAlive } from '../../src/util/fs.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  killStartedClis();
  for (const c of cleanups.splice(0)) c();
});

const TWO_INDEPENDENT: PlanInput = {
  subtasks: [
    { id: 'slow', role: 'research', description: 'The slow one', dependsOn: [] },
    { id: 'quick', role: 'research', description: 'The quick one', dependsOn: [] },
  ],
  failurePolicy: 'best-effort',
};

function runtimeWithScript(agents: Record<string, unknown[]>) {
  const runtime = tempRuntime('mailroom-sup-');
  let dir: string | undefined;
  const watch = new WorkerWatch(() => dir).start();
  cleanups.push(() => {
    watch.stop();
    fs.rmSync(runtime, { recursive: true, force: true });
  });
  const script = writeScript(runtime, { agents: agents as never });
  const sessionDir = async () => (dir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'session dir'));
  return { runtime, script, watch, sessionDir };
}

describe('worker supervision', () => {
  it('detects a worker killed with SIGKILL mid-turn within 3 heartbeat intervals, retries it, and completes', async () => {
    const heartbeatMs = 1000;
    const env = runtimeWithScript({
      coordinator: [planReply({ ...TWO_INDEPENDENT, failurePolicy: 'all' }), textReply('DONE')],
      'w01-research': [textReply('SLOW-1', 30_000), textReply('SLOW-2')],
      'w02-research': [textReply('QUICK')],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, '--no-live', '--heartbeat-ms', String(heartbeatMs), '--heartbeat-misses', '3', 'task']);
    const dir = await env.sessionDir();
    const started = await waitFor(() => journalOf(dir).find((e) => e.type === 'started' && e.agent === 'w01-research'), 60_000, 'w01 to start');
    // Let it get into its (slow) model call, then kill it without warning.
    await waitFor(() => callsByAgent(env.script)['w01-research'] === 1, 30_000, 'the model call in flight');
    const killedAt = Date.now();
    process.kill(started.pid as number, 'SIGKILL');
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const journal = journalOf(dir);
    const failure = journal.find((e) => e.type === 'failure' && e.agent === 'w01-research')!;
    expect(failure).toMatchObject({ code: 'E_CRASHED', attempt: 1, final: false });
    expect(failure.t - killedAt).toBeLessThanOrEqual(3 * heartbeatMs);
    expect(journal.filter((e) => e.type === 'spawn' && e.agent === 'w01-research').map((e) => e.attempt)).toEqual([1, 2]);
    expect(journal.find((e) => e.type === 'result' && e.agent === 'w01-research')).toMatchObject({ attempt: 2, output: 'SLOW-2' });
    expect(readJson<{ status: string }>(path.join(dir, 'agents', 'w01-research', 'agent.json')).status).toBe('completed');
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(env.watch.live()).toEqual([]);
  });

  it('ends a hung tool (a fetch that never answers) at the wall-clock limit', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const port = (server.address() as net.AddressInfo).port;
    const env = runtimeWithScript({
      coordinator: [planReply(TWO_INDEPENDENT), textReply('DONE WITH A GAP')],
      'w01-research': [toolReply('fetch_url', { url: `http://127.0.0.1:${port}/never` })],
      'w02-research': [textReply('QUICK')],
    });
    const t0 = Date.now();
    const done = await runCli(['--runtime-dir', env.runtime, '--script', env.script, '--no-live', '--fetch-allow', `127.0.0.1:${port}`, '--timeout', '3', 'task']);
    const dir = onlySession(env.runtime);
    expect(done.code, done.stderr).toBe(0);
    const failure = journalOf(dir).find((e) => e.type === 'failure' && e.agent === 'w01-research')!;
    expect(failure).toMatchObject({ code: 'E_LIMIT', final: true });
    expect(String(failure.error)).toMatch(/wall-clock limit/);
    // It was ended at the limit, not by the fetch tool's own, much longer, timeout.
    expect(Date.now() - t0).toBeLessThan(15_000 + 20_000);
    expect(sockets.length).toBeGreaterThan(0);
    expect(env.watch.live()).toEqual([]);
  });

  it.each([
    { faults: 'ignore-shutdown', steps: ['shutdown', 'SIGTERM', 'gone'] },
    { faults: 'ignore-shutdown,ignore-sigterm', steps: ['shutdown', 'SIGTERM', 'SIGKILL', 'gone'] },
  ])('walks the termination ladder for a worker that has faults $faults', async ({ faults, steps }) => {
    const shutdownGraceMs = 1500;
    const termGraceMs = 1500;
    const env = runtimeWithScript({
      coordinator: [planReply(TWO_INDEPENDENT), textReply('DONE')],
      'w01-research': [textReply('NEVER', 60_000)],
      'w02-research': [textReply('QUICK')],
    });
    const run = startCli(
      ['--runtime-dir', env.runtime, '--script', env.script, '--shutdown-grace-ms', String(shutdownGraceMs), '--term-grace-ms', String(termGraceMs), 'task'],
      { env: { MAILROOM_WORKER_FAULTS: faults } },
    );
    const dir = await env.sessionDir();
    const started = await waitFor(() => journalOf(dir).find((e) => e.type === 'started' && e.agent === 'w01-research'), 60_000, 'w01 to start');
    const kill = await runCli(['kill', path.basename(dir), 'w01-research', '--runtime-dir', env.runtime, '--reason', 'test']);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stderr).toMatch(/w01-research stopped/);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const ladder = journalOf(dir).filter((e) => e.type === 'terminate' && e.agent === 'w01-research');
    expect(ladder.map((e) => e.step)).toEqual(steps);
    const at = (step: string) => ladder.find((e) => e.step === step)!.t;
    // Each rung waited its grace, and not much more.
    expect(at('SIGTERM') - at('shutdown')).toBeGreaterThanOrEqual(shutdownGraceMs - 50);
    expect(at('SIGTERM') - at('shutdown')).toBeLessThan(shutdownGraceMs + 2000);
    if (steps.includes('SIGKILL')) {
      expect(at('SIGKILL') - at('SIGTERM')).toBeGreaterThanOrEqual(termGraceMs - 50);
      expect(at('SIGKILL') - at('SIGTERM')).toBeLessThan(termGraceMs + 2000);
    }
    const failure = journalOf(dir).find((e) => e.type === 'failure' && e.agent === 'w01-research')!;
    expect(failure).toMatchObject({ code: 'E_TERMINATED', final: true });
    // The coordinator verified it is gone, and nothing is left.
    expect(isPidAlive(started.pid as number)).toBe(false);
    expect(env.watch.live()).toEqual([]);
  });

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
