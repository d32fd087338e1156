/**
 * Supervision of workers with real processes and real signals: a worker killed with
 * SIGKILL mid-turn, a hung tool, and workers deaf to `shutdown` or SIGTERM.
 */
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPidAlive } from '../../src/util/fs.js';
import { onlySession, readJson, runCli, startCli } from '../support/cli.js';
import { callsByAgent, journalOf, planReply, textReply, toolReply, waitFor } from '../support/script.js';
import { TWO_INDEPENDENT, cleanUpAfterEach, onCleanup, runtimeWithScript } from '../support/supervision-fixture.js';

cleanUpAfterEach();

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

  it('stops a frozen worker (SIGSTOP: no heartbeat, no message) down the ladder, and retries it', async () => {
    const env = runtimeWithScript({
      coordinator: [planReply({ ...TWO_INDEPENDENT, failurePolicy: 'all' }), textReply('DONE')],
      'w01-research': [textReply('FROZEN', 30_000), textReply('THAWED')],
      'w02-research': [textReply('QUICK')],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, '--no-live', '--heartbeat-ms', '300', '--heartbeat-misses', '3', '--shutdown-grace-ms', '500', '--term-grace-ms', '500', 'task']);
    const dir = await env.sessionDir();
    await waitFor(() => callsByAgent(env.script)['w01-research'] === 1, 30_000, 'the model call in flight');
    const pid = journalOf(dir).find((e) => e.type === 'spawn' && e.agent === 'w01-research')!.pid as number;
    process.kill(pid, 'SIGSTOP');
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const journal = journalOf(dir);
    expect(journal.find((e) => e.type === 'failure' && e.agent === 'w01-research')).toMatchObject({ code: 'E_NO_HEARTBEAT', attempt: 1, final: false });
    // A stopped process reads no mailbox and ignores SIGTERM: only SIGKILL ends it.
    expect(journal.filter((e) => e.type === 'terminate' && e.agent === 'w01-research').map((e) => e.step)).toEqual(['shutdown', 'SIGTERM', 'SIGKILL', 'gone']);
    expect(isPidAlive(pid)).toBe(false);
    expect(journal.find((e) => e.type === 'result' && e.agent === 'w01-research')).toMatchObject({ attempt: 2, output: 'THAWED' });
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(env.watch.live()).toEqual([]);
  });

  it('ends a hung tool (a fetch that never answers) at the wall-clock limit', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onCleanup(() => {
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

});
