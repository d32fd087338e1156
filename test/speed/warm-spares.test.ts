/**
 * Warm spares (`--warm N`) with real processes: subtasks are handed to spares that were
 * started before the plan existed; the journal and `show` say which; spares nobody needed
 * end with the session; an operator's kill or a silence ends an idle one; and a spare
 * never outlives a coordinator killed with SIGKILL,
 * whether it was still idle or already running a subtask (then resume reattaches it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listWorkerProcesses } from '../../src/engine/process/procscan.js';
import { isPidAlive } from '../../src/util/fs.js';
import { readJson, runCli, startCli } from '../support/cli.js';
import { callsByAgent, journalOf, planReply, textReply, waitFor } from '../support/script.js';
import { cleanUpAfterEach, runtimeWithScript } from '../support/supervision-fixture.js';
import type { PlanInput } from '../../src/contracts/plan.js';

cleanUpAfterEach();

const FAST = ['--no-live', '--heartbeat-ms', '300', '--heartbeat-misses', '10'];

function plan(n: number): PlanInput {
  return {
    subtasks: Array.from({ length: n }, (_, i) => ({ id: `part-${i + 1}`, role: 'research', description: `Part ${i + 1}`, dependsOn: [] })),
    failurePolicy: 'all',
  };
}

const spawns = (dir: string) => journalOf(dir).filter((e) => e.type === 'spawn');

describe('warm spares', () => {
  it('hands subtasks to spares started before the plan, says so in the journal and in show, and leaves no process behind', async () => {
    const env = runtimeWithScript({
      // The plan takes a moment, as a real model's would: the spares are up by then.
      coordinator: [planReply(plan(3)), textReply('SYNTHESIS')],
      'w01-research': [textReply('ONE')],
      'w02-research': [textReply('TWO')],
      'w03-research': [textReply('THREE')],
    });
    const done = await runCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--max-workers', '3', '--warm', '2', 'task']);
    expect(done.code, done.stderr).toBe(0);
    const dir = await env.sessionDir();
    const journal = journalOf(dir);
    const spares = journal.filter((e) => e.type === 'spare');
    expect(spares.map((e) => e.agent)).toEqual(['spare-01', 'spare-02']);
    // Started before the plan was journaled.
    const planAt = journal.findIndex((e) => e.type === 'plan');
    expect(journal.findIndex((e) => e.type === 'spare')).toBeLessThan(planAt);
    const onSpare = spawns(dir).filter((e) => e.spare !== undefined);
    expect(onSpare.map((e) => e.spare).sort()).toEqual(['spare-01', 'spare-02']);
    // A spare runs as the planned agent, on its own pid, and is never also spawned fresh.
    for (const e of onSpare) {
      expect(e.pid).toBe(spares.find((s) => s.agent === e.spare)!.pid);
      expect(spawns(dir).filter((x) => x.agent === e.agent)).toHaveLength(1);
      const started = journal.find((x) => x.type === 'started' && x.agent === e.agent)!;
      expect(started.pid).toBe(e.pid);
    }
    expect(spawns(dir).filter((e) => e.spare === undefined)).toHaveLength(1);
    expect(journal.filter((e) => e.type === 'result').map((e) => e.output).sort()).toEqual(['ONE', 'THREE', 'TWO']);
    // Spares live apart from the agents; the planned agents are the session's only agents.
    expect(fs.readdirSync(path.join(dir, 'spares')).sort()).toEqual(['spare-01', 'spare-02']);
    expect(fs.readdirSync(path.join(dir, 'agents')).filter((a) => a.startsWith('spare-'))).toEqual([]);
    // The adopted spare's log and transcript are the agent's own.
    const adopted = onSpare[0]!;
    expect(fs.existsSync(path.join(dir, 'agents', adopted.agent as string, 'transcript.jsonl'))).toBe(true);
    expect(readJson<{ status: string }>(path.join(dir, 'agents', adopted.agent as string, 'agent.json')).status).toBe('completed');
    expect(readJson<{ status: string; subtask: string }>(path.join(dir, 'spares', adopted.spare as string, 'agent.json'))).toMatchObject({ status: 'adopted', subtask: adopted.subtask });
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(listWorkerProcesses(dir)).toEqual([]);
    for (const s of spares) expect(isPidAlive(s.pid as number)).toBe(false);

    const show = await runCli(['show', '--runtime-dir', env.runtime, 'latest']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`ran on warm spare ${adopted.spare}`);
    expect(show.stdout).toMatch(new RegExp(`warm spares:\\n(.*\\n)*\\s+${adopted.spare}\\s+pid ${adopted.pid}\\s+ran ${adopted.agent}`));
    // The planned agents are the session's agents; a spare's folder is listed apart.
    const list = await runCli(['sessions', '--runtime-dir', env.runtime]);
    // coordinator, human (the people mailbox) and the three planned workers; no spare.
    expect(list.stdout).toMatch(/completed\s+\S+\s+5\s/);
  });

  it('refills the pool while subtasks wait, and ends the spare nobody needed at the end', async () => {
    const env = runtimeWithScript({
      coordinator: [planReply(plan(3)), textReply('SYNTHESIS')],
      research: [{ ...textReply('PART'), repeat: true }],
    });
    const done = await runCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--max-workers', '1', '--warm', '1', 'task']);
    expect(done.code, done.stderr).toBe(0);
    const dir = await env.sessionDir();
    const journal = journalOf(dir);
    expect(journal.filter((e) => e.type === 'result')).toHaveLength(3);
    const started = journal.filter((e) => e.type === 'spare').map((e) => e.agent as string);
    const used = spawns(dir).filter((e) => e.spare !== undefined).map((e) => e.spare as string);
    const ended = journal.filter((e) => e.type === 'spare_ended').map((e) => e.agent as string);
    // Every spare either took a subtask or was ended, never both, never neither.
    expect([...used, ...ended].sort()).toEqual([...started].sort());
    expect(used.length).toBeGreaterThanOrEqual(1);
    for (const a of ended) expect(readJson<{ status: string }>(path.join(dir, 'spares', a, 'agent.json')).status).toBe('unused');
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(listWorkerProcesses(dir)).toEqual([]);
  });

  it('with --warm 0 starts no spare', async () => {
    const env = runtimeWithScript({ coordinator: [planReply(plan(1)), textReply('SYNTHESIS')], research: [textReply('PART')] });
    const done = await runCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--warm', '0', 'task']);
    expect(done.code, done.stderr).toBe(0);
    const dir = await env.sessionDir();
    expect(journalOf(dir).filter((e) => e.type === 'spare')).toEqual([]);
    expect(spawns(dir).map((e) => e.spare)).toEqual([undefined]);
  });

  it('mailroom kill <session> spare-01 ends an idle spare, journaled, and the session goes on without it', async () => {
    const env = runtimeWithScript({
      // The plan takes a while: the spare idles meanwhile, and is killed then.
      coordinator: [{ ...planReply(plan(1)), delayMs: 12_000 }, textReply('SYNTHESIS')],
      research: [{ ...textReply('PART'), repeat: true }],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--warm', '1', 'task']);
    const dir = await env.sessionDir();
    const spare = await waitFor(() => journalOf(dir).find((e) => e.type === 'spare'), 60_000, 'the spare');
    await waitFor(() => listWorkerProcesses(dir).some((w) => w.agent === 'spare-01'), 30_000, 'the spare process');
    const kill = await runCli(['kill', path.basename(dir), 'spare-01', '--runtime-dir', env.runtime, '--reason', 'not wanted']);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stderr).toContain('stopped spare-01');
    expect(isPidAlive(spare.pid as number)).toBe(false);
    // The kill returns once the process is gone; the coordinator journals the end right after.
    const ended = await waitFor(() => journalOf(dir).find((e) => e.type === 'spare_ended' && e.agent === 'spare-01'), 30_000, 'spare_ended');
    expect(ended).toMatchObject({ reason: expect.stringContaining('not wanted') });
    const done = await run.done;
    expect(readJson<{ status: string }>(path.join(dir, 'spares', 'spare-01', 'agent.json')).status).toBe('unused');
    expect(done.code, done.stderr).toBe(0);
    const journal = journalOf(dir);
    // The subtask still ran, never on the killed spare.
    expect(journal.filter((e) => e.type === 'result').map((e) => e.output)).toEqual(['PART']);
    expect(spawns(dir).every((e) => e.spare !== 'spare-01')).toBe(true);
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(listWorkerProcesses(dir)).toEqual([]);
  });

  it('a spare that stops heartbeating while idle is ended, never handed a subtask', async () => {
    const env = runtimeWithScript({
      // The plan takes a while: the spare is frozen meanwhile, and silent by the time it comes.
      coordinator: [{ ...planReply(plan(1)), delayMs: 12_000 }, textReply('SYNTHESIS')],
      research: [{ ...textReply('PART'), repeat: true }],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, '--no-live', '--heartbeat-ms', '200', '--heartbeat-misses', '10', '--shutdown-grace-ms', '500', '--term-grace-ms', '500', '--warm', '1', 'task']);
    const dir = await env.sessionDir();
    const spare = await waitFor(() => journalOf(dir).find((e) => e.type === 'spare'), 60_000, 'the spare');
    await waitFor(() => fs.existsSync(path.join(dir, 'spares', 'spare-01', 'heartbeat')), 30_000, 'its first heartbeat');
    process.kill(spare.pid as number, 'SIGSTOP');
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const journal = journalOf(dir);
    expect(journal.find((e) => e.type === 'spare_ended' && e.agent === 'spare-01')).toMatchObject({ reason: expect.stringMatching(/no heartbeat .* while idle/) });
    expect(spawns(dir).some((e) => e.spare === 'spare-01')).toBe(false);
    expect(journal.filter((e) => e.type === 'result').map((e) => e.output)).toEqual(['PART']);
    expect(isPidAlive(spare.pid as number)).toBe(false);
    expect(listWorkerProcesses(dir)).toEqual([]);
  });

  it('rejects a bad --warm with exit 2 naming the flag', async () => {
    const done = await runCli(['--warm', '-1', 'task']);
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('--warm');
  });

  it('an idle spare leaves on its own when its coordinator is SIGKILLed; resume ends what it finds and completes', async () => {
    const env = runtimeWithScript({
      // The plan call hangs long enough to kill the coordinator while its spares idle.
      coordinator: [{ ...planReply(plan(2)), delayMs: 60_000 }, planReply(plan(2)), textReply('SYNTHESIS')],
      research: [{ ...textReply('PART'), repeat: true }],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--warm', '2', 'task']);
    const dir = await env.sessionDir();
    const spares = await waitFor(() => {
      const s = journalOf(dir).filter((e) => e.type === 'spare');
      return s.length === 2 && callsByAgent(env.script).coordinator === 1 && s;
    }, 60_000, 'two spares and the plan call in flight');
    // Both idle spares are up and reading their mailboxes.
    await waitFor(() => listWorkerProcesses(dir).length === 2, 30_000, 'the spare processes');
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    await waitFor(() => spares.every((s) => !isPidAlive(s.pid as number)), 15_000, 'the idle spares to leave on their own');

    const resumed = await runCli(['--runtime-dir', env.runtime, '--resume', 'latest']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const journal = journalOf(dir);
    const ended = journal.filter((e) => e.type === 'spare_ended').map((e) => e.agent);
    expect(ended).toEqual(expect.arrayContaining(['spare-01', 'spare-02']));
    // New spares of the resumed coordinator are numbered on, never reusing a folder.
    const resumedAt = journal.findIndex((e) => e.type === 'session_resumed');
    expect(journal.slice(resumedAt).filter((e) => e.type === 'spare').every((e) => !['spare-01', 'spare-02'].includes(e.agent as string))).toBe(true);
    expect(journal.filter((e) => e.type === 'result')).toHaveLength(2);
    expect(listWorkerProcesses(dir)).toEqual([]);
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
  });

  it('a spare already running a subtask when the coordinator is SIGKILLed is reattached on resume, never run twice', async () => {
    const env = runtimeWithScript({
      coordinator: [planReply(plan(1)), textReply('SYNTHESIS')],
      // Long enough that the resumed coordinator finds it still in its model call.
      'w01-research': [textReply('SLOW PART', 12_000)],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, ...FAST, '--warm', '1', 'task']);
    const dir = await env.sessionDir();
    const spawn = await waitFor(() => spawns(dir).find((e) => e.spare !== undefined), 60_000, 'the subtask handed to a spare');
    await waitFor(() => callsByAgent(env.script)['w01-research'] === 1, 30_000, 'its model call in flight');
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    const resumed = await runCli(['--runtime-dir', env.runtime, '--resume', 'latest']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const journal = journalOf(dir);
    expect(journal.find((e) => e.type === 'reattach' && e.agent === 'w01-research')).toMatchObject({ pid: spawn.pid });
    expect(spawns(dir).filter((e) => e.agent === 'w01-research')).toHaveLength(1);
    expect(journal.filter((e) => e.type === 'result').map((e) => e.output)).toEqual(['SLOW PART']);
    expect(callsByAgent(env.script)['w01-research']).toBe(1);
    expect(env.watch.maxConcurrent).toBeLessThanOrEqual(1);
    expect(listWorkerProcesses(dir)).toEqual([]);
  });
});
