/**
 * A coordinator SIGKILLed in the middle of handing a subtask to a warm spare: the spare
 * has `adopted.json`, has read its assign and, as the agent, the agent's own assign, but
 * the `spawn` line was never journaled (MAILROOM_CRASH_AT=during-handover). The subtask is
 * still `pending` in the journal while its worker runs. The resumed coordinator must not
 * start a second process for that agent: it reattaches the live one (journaled, with the
 * spare it runs on), and the session ends with each result exactly once. A silent one is
 * stopped, and the `shutdown` it never read does not stop the attempt that follows it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listWorkerProcesses } from '../../src/engine/process/procscan.js';
import { spawnWorker } from '../../src/engine/process/spawn.js';
import { WorkerLimitsSchema } from '../../src/contracts/limits.js';
import { createMailbox } from '../../src/mailbox/index.js';
import { writeAgentRecord } from '../../src/session/store.js';
import { isPidAlive } from '../../src/util/fs.js';
import { heartbeatAge } from '../../src/agent/heartbeat.js';
import { readJson, runCli, startCli } from '../support/cli.js';
import { callsByAgent, journalOf, planReply, textReply, waitFor } from '../support/script.js';
import { cleanUpAfterEach, onCleanup, runtimeWithScript } from '../support/supervision-fixture.js';

cleanUpAfterEach();

const FAST = ['--no-live', '--heartbeat-ms', '300', '--heartbeat-misses', '10'];

describe('a coordinator killed during a hand-over to a warm spare', () => {
  it('resume reattaches the adopted worker instead of starting a second process for its agent', { timeout: 150_000 }, async () => {
    const env = runtimeWithScript({
      coordinator: [
        planReply({
          subtasks: [
            { id: 'part-1', role: 'research', description: 'Part 1', dependsOn: [] },
            { id: 'part-2', role: 'research', description: 'Part 2', dependsOn: [] },
          ],
          failurePolicy: 'all',
        }),
        textReply('SYNTHESIS'),
      ],
      // Slow enough that the resumed coordinator finds the adopted worker in its model call.
      'w01-research': [textReply('ONE', 10_000)],
      'w02-research': [textReply('TWO')],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--max-workers', '2', '--warm', '1', 'task'], {
      env: { MAILROOM_CRASH_AT: 'during-handover' },
    });
    const dir = await env.sessionDir();
    const crashed = await run.done;
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const before = journalOf(dir);
    const spare = before.find((e) => e.type === 'spare')!;
    expect(spare.agent).toBe('spare-01');
    // The hand-over happened, its journal line did not: the subtask is still pending there.
    expect(readJson<{ agent: string }>(path.join(dir, 'spares', 'spare-01', 'adopted.json')).agent).toBe('w01-research');
    expect(before.filter((e) => e.type === 'spawn')).toEqual([]);
    expect(listWorkerProcesses(dir)).toContainEqual({ agent: 'w01-research', pid: spare.pid });

    const resumed = await runCli(['--runtime-dir', env.runtime, '--resume', 'latest']);
    env.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readJson<{ status: string }>(path.join(dir, 'session.json')).status).toBe('completed');
    const journal = journalOf(dir);
    // Never two live processes for one agent, and each subtask's result exactly once.
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    const results = journal.filter((e) => e.type === 'result');
    expect(results.map((e) => e.subtask).sort()).toEqual(['part-1', 'part-2']);
    expect(results.map((e) => e.output).sort()).toEqual(['ONE', 'TWO']);
    // The adopted worker was reattached (on its spare), not replaced: one model call.
    expect(journal.find((e) => e.type === 'reattach' && e.agent === 'w01-research')).toMatchObject({ pid: spare.pid, attempt: 1, spare: 'spare-01' });
    expect(journal.filter((e) => e.type === 'spawn' && e.agent === 'w01-research')).toEqual([]);
    expect(callsByAgent(env.script)['w01-research']).toBe(1);
    // The spare was handed over, not left idle: never journaled as ended unused.
    expect(journal.filter((e) => e.type === 'spare_ended' && e.agent === 'spare-01')).toEqual([]);
    expect(listWorkerProcesses(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'result.md'))).toBe(true);
    // show says which subtask ran on the spare, as after an uncut hand-over.
    const show = await runCli(['show', '--runtime-dir', env.runtime, 'latest']);
    expect(show.stdout).toContain('ran on warm spare spare-01');
    expect(show.stdout).toMatch(/warm spares:\n(.*\n)*\s+spare-01\s+pid \d+\s+ran w01-research/);
  });

  it('a frozen adopted worker is stopped before the next attempt, whose run its unread shutdown does not stop', { timeout: 150_000 }, async () => {
    const env = runtimeWithScript({
      coordinator: [planReply({ subtasks: [{ id: 'part-1', role: 'research', description: 'Part 1', dependsOn: [] }], failurePolicy: 'all' }), textReply('SYNTHESIS')],
      // The first call never finishes (its process is frozen in it); the next attempt's answers.
      'w01-research': [textReply('never', 60_000), textReply('ONE')],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--warm', '1', '--shutdown-grace-ms', '500', '--term-grace-ms', '500', 'task'], {
      env: { MAILROOM_CRASH_AT: 'during-handover' },
    });
    const dir = await env.sessionDir();
    const crashed = await run.done;
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const spare = journalOf(dir).find((e) => e.type === 'spare')!;
    await waitFor(() => callsByAgent(env.script)['w01-research'] === 1, 30_000, 'the adopted worker in its model call');
    process.kill(spare.pid as number, 'SIGSTOP');
    // Silent for longer than heartbeat-ms × misses (300 × 10): the resume must not trust it.
    const heartbeat = path.join(dir, 'agents', 'w01-research', 'heartbeat');
    await waitFor(() => (heartbeatAge(heartbeat) ?? 0) > 4000, 30_000, 'a stale heartbeat');

    const resumed = await runCli(['--runtime-dir', env.runtime, '--resume', 'latest']);
    env.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    const journal = journalOf(dir);
    expect(journal.find((e) => e.type === 'reattach')).toMatchObject({ agent: 'w01-research', attempt: 1, pid: spare.pid, spare: 'spare-01' });
    expect(journal.find((e) => e.type === 'failure')).toMatchObject({ agent: 'w01-research', attempt: 1, code: 'E_NO_HEARTBEAT' });
    // The stop's shutdown (for attempt 1) was sent; attempt 2 ran to its result regardless.
    expect(journal.some((e) => e.type === 'terminate' && e.agent === 'w01-research' && e.step === 'shutdown')).toBe(true);
    expect(journal.filter((e) => e.type === 'spawn').map((e) => e.attempt)).toEqual([2]);
    expect(journal.filter((e) => e.type === 'result').map((e) => [e.attempt, e.output])).toEqual([[2, 'ONE']]);
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(listWorkerProcesses(dir)).toEqual([]);
  });

  it('a live worker that no subtask owns is ended on resume, before anything is spawned', { timeout: 150_000 }, async () => {
    const env = runtimeWithScript({
      coordinator: [planReply({ subtasks: [{ id: 'part-1', role: 'research', description: 'Part 1', dependsOn: [] }], failurePolicy: 'all' }), textReply('SYNTHESIS')],
      'w01-research': [textReply('ONE')],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--warm', '1', 'task'], { env: { MAILROOM_CRASH_AT: 'after-plan' } });
    const dir = await env.sessionDir();
    expect((await run.done).signal).toBe('SIGKILL');
    // A worker of an agent the journal has no running subtask for (as one replaced by a
    // fallback would be), alive while no coordinator runs: it waits for an assignment.
    await createMailbox(dir, 'w09-research');
    await writeAgentRecord(dir, { v: 1, id: 'w09-research', role: 'research', subtask: 'part-9', tools: [], model: 'scripted', limits: WorkerLimitsSchema.parse({}), status: 'pending', attempt: 1 });
    const stray = spawnWorker(dir, 'w09-research');
    onCleanup(() => {
      if (isPidAlive(stray.pid)) process.kill(stray.pid, 'SIGKILL');
    });
    await waitFor(() => listWorkerProcesses(dir).some((w) => w.agent === 'w09-research'), 30_000, 'the stray worker');

    const resumed = await runCli(['--runtime-dir', env.runtime, '--resume', 'latest']);
    env.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    const journal = journalOf(dir);
    const ended = journal.findIndex((e) => e.type === 'terminate' && e.agent === 'w09-research' && e.step === 'gone');
    expect(ended).toBeGreaterThan(0);
    expect(journal[ended]!.reason).toMatch(/no running subtask owns/);
    // Ended before the subtask's worker was spawned, and never asked politely (no shutdown left in its mailbox).
    expect(ended).toBeLessThan(journal.findIndex((e) => e.type === 'spawn'));
    expect(journal.some((e) => e.type === 'terminate' && e.agent === 'w09-research' && e.step === 'shutdown')).toBe(false);
    expect(isPidAlive(stray.pid)).toBe(false);
    expect(journal.filter((e) => e.type === 'result').map((e) => e.output)).toEqual(['ONE']);
    expect(listWorkerProcesses(dir)).toEqual([]);
  });

  it('a spare whose coordinator died right after handing it a subtask still takes the order, and is reattached', { timeout: 150_000 }, async () => {
    const env = runtimeWithScript({
      coordinator: [{ ...planReply({ subtasks: [{ id: 'part-1', role: 'research', description: 'Part 1', dependsOn: [] }], failurePolicy: 'all' }), delayMs: 6000 }, textReply('SYNTHESIS')],
      // Long enough that the resumed coordinator finds it still in its model call.
      'w01-research': [textReply('ONE', 12_000)],
    });
    // Misses enough that a spare frozen for a few seconds still counts as alive.
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, '--no-live', '--heartbeat-ms', '300', '--heartbeat-misses', '100', '--warm', '1', 'task'], {
      env: { MAILROOM_CRASH_AT: 'after-spawn' },
    });
    const dir = await env.sessionDir();
    const spare = await waitFor(() => journalOf(dir).find((e) => e.type === 'spare'), 60_000, 'the spare');
    await waitFor(() => fs.existsSync(path.join(dir, 'spares', 'spare-01', 'heartbeat')), 30_000, 'its first heartbeat');
    // Frozen, it cannot read the order before its coordinator dies (right after the spawn line).
    process.kill(spare.pid as number, 'SIGSTOP');
    onCleanup(() => {
      if (isPidAlive(spare.pid as number)) process.kill(spare.pid as number, 'SIGKILL');
    });
    expect((await run.done).signal).toBe('SIGKILL');
    expect(journalOf(dir).find((e) => e.type === 'spawn')).toMatchObject({ agent: 'w01-research', spare: 'spare-01', pid: spare.pid });
    process.kill(spare.pid as number, 'SIGCONT');
    // It finds its coordinator gone, but the order waiting in its mailbox is handled first.
    await waitFor(() => fs.existsSync(path.join(dir, 'agents', 'w01-research', 'heartbeat')), 30_000, 'the spare running as w01-research');

    const resumed = await runCli(['--runtime-dir', env.runtime, '--resume', 'latest']);
    env.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    const journal = journalOf(dir);
    expect(journal.find((e) => e.type === 'reattach')).toMatchObject({ agent: 'w01-research', pid: spare.pid });
    expect(journal.filter((e) => e.type === 'result').map((e) => [e.attempt, e.output])).toEqual([[1, 'ONE']]);
    expect(callsByAgent(env.script)['w01-research']).toBe(1);
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(listWorkerProcesses(dir)).toEqual([]);
  });
});
