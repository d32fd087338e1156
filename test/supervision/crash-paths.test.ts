/**
 * Crash paths of the coordinator (issue 12, items 12, 13 and 16), with real processes:
 * a journal that cannot be written, a coordinator fenced off by a takeover, and host
 * crashes (coordinator and worker killed together) that must not use up retry attempts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killStartedClis, onlySession, readJson, runCli, startCli, tempRuntime } from '../support/cli.js';
import { callsByAgent, journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { WorkerWatch } from '../support/watch-workers.js';

const runtimes: string[] = [];
const watches: WorkerWatch[] = [];
afterEach(() => {
  killStartedClis();
  for (const w of watches.splice(0)) w.stop();
  for (const r of runtimes.splice(0)) fs.rmSync(r, { recursive: true, force: true });
});

const ONE_SUBTASK = { subtasks: [{ id: 'alpha', role: 'research' as const, description: 'Research alpha', dependsOn: [] }], failurePolicy: 'all' as const };

function setup(worker: ReturnType<typeof textReply>[]) {
  const runtime = tempRuntime('mailroom-crashpath-');
  runtimes.push(runtime);
  const script = writeScript(runtime, {
    agents: { coordinator: [planReply(ONE_SUBTASK), { ...textReply('FINAL ANSWER'), repeat: true }], 'w01-research': worker },
  });
  let dir: string | undefined;
  const watch = new WorkerWatch(() => dir).start();
  watches.push(watch);
  const args = ['--runtime-dir', runtime, '--script', script, '--heartbeat-ms', '300', '--heartbeat-misses', '10'];
  const sessionDir = async () =>
    (dir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'the session folder'));
  return { runtime, script, watch, args, sessionDir };
}

const pidOf = (dir: string, attempt: number) => journalOf(dir).find((e) => e.type === 'spawn' && e.attempt === attempt)?.pid as number | undefined;

describe('coordinator crash paths', () => {
  it('item 16: a journal that cannot be written stops the session with a clear error, instead of hanging', { timeout: 150_000 }, async () => {
    const s = setup([textReply('ALPHA-OUTPUT', 1500)]);
    // Lines 1-3 are session_started, plan and spawn; every later append fails with EPERM.
    const cli = startCli([...s.args, 'journal failure task'], { env: { MAILROOM_JOURNAL_FAIL_AFTER: '3' } });
    const dir = await s.sessionDir();
    const outcome = await Promise.race([cli.done, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 40_000))]);
    expect(outcome, cli.stderr()).not.toBe('hung');
    if (outcome === 'hung') return;
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toMatch(/could not write the journal .*journal\.jsonl: EPERM/);
    expect(readJson<{ status: string; reason: string }>(path.join(dir, 'session.json'))).toMatchObject({ status: 'failed', reason: expect.stringMatching(/could not write the journal/) });
    // Nothing was recorded past the failing line, and no worker outlives the session.
    expect(journalOf(dir)).toHaveLength(3);
    await waitFor(() => s.watch.live().length === 0, 30_000, 'the worker to be gone');
  });

  it('item 12: a coordinator fenced off by a takeover stops at once, non-zero, and writes nothing', { timeout: 150_000 }, async () => {
    const s = setup([textReply('ALPHA-OUTPUT', 6000)]);
    const cli = startCli([...s.args, 'fencing task']);
    const dir = await s.sessionDir();
    await waitFor(() => journalOf(dir).some((e) => e.type === 'started'), 60_000, 'the worker to start');
    // What a successor does when it takes the session over: claim the next epoch in
    // session.lock/ (see src/session/lock.ts), then write session.json with it.
    const file = path.join(dir, 'session.json');
    const taken = { ...readJson<Record<string, unknown> & { epoch: number }>(file), coordinatorPid: 999_999 };
    taken.epoch += 1;
    const claim = path.join(dir, 'session.lock', `epoch-${String(taken.epoch).padStart(8, '0')}.json`);
    fs.writeFileSync(claim, JSON.stringify({ epoch: taken.epoch, pid: 999_999, token: 'successor', at: new Date().toISOString() }) + '\n');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(taken, null, 2));
    fs.renameSync(`${file}.tmp`, file);
    const linesAtTakeover = journalOf(dir).length;
    const outcome = await Promise.race([cli.done, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    expect(outcome, cli.stderr()).not.toBe('hung');
    if (outcome === 'hung') return;
    expect(outcome.code, outcome.stderr).not.toBe(0);
    expect(outcome.stderr).toMatch(/another coordinator took the session over/);
    // The successor's session.json and journal are untouched by the fenced one.
    expect(readJson<{ epoch: number; status: string; coordinatorPid: number }>(file)).toMatchObject({ epoch: taken.epoch, status: 'running', coordinatorPid: 999_999 });
    expect(journalOf(dir)).toHaveLength(linesAtTakeover);
    // It left the worker alone (it belongs to the successor now); the worker finishes and exits.
    await waitFor(() => s.watch.live().length === 0, 60_000, 'the worker to finish on its own');
  });

  it('item 13: two kill-everything crashes do not use up the retry attempts', { timeout: 150_000 }, async () => {
    // Two slow calls that die with their host, then one that answers.
    const s = setup([textReply('never', 30_000), textReply('never', 30_000), textReply('ALPHA-OUTPUT')]);
    const first = startCli([...s.args, 'host crash task']);
    const dir = await s.sessionDir();
    for (const attempt of [1, 2]) {
      const cli = attempt === 1 ? first : startCli(['--runtime-dir', s.runtime, '--resume', 'latest']);
      await waitFor(() => journalOf(dir).some((e) => e.type === 'started' && e.attempt === attempt), 60_000, `attempt ${attempt} to start`);
      // Its slow model call is in flight (the scripted calls log has it): only then does the machine die.
      await waitFor(() => (callsByAgent(s.script)['w01-research'] ?? 0) >= attempt, 60_000, `attempt ${attempt}'s model call`);
      // The whole machine goes down: coordinator and worker at once.
      process.kill(cli.pid, 'SIGKILL');
      process.kill(pidOf(dir, attempt)!, 'SIGKILL');
      await cli.done;
    }
    const resumed = await runCli(['--runtime-dir', s.runtime, '--resume', 'latest']);
    s.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('FINAL ANSWER');
    const journal = journalOf(dir);
    expect(journal.filter((e) => e.type === 'spawn').map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(journal.filter((e) => e.type === 'failure').map((e) => ({ code: e.code, final: e.final, hostLost: e.hostLost }))).toEqual([
      { code: 'E_CRASHED', final: false, hostLost: true },
      { code: 'E_CRASHED', final: false, hostLost: true },
    ]);
    expect(callsByAgent(s.script)['w01-research']).toBe(3);
    expect(s.watch.live()).toEqual([]);
  });
});
