/**
 * Waiting for a person survives crashes. Real processes, the fake Messages API, kill -9:
 * the coordinator dies while a write waits; the person answers while it is down; the
 * resumed session completes with no model call repeated. Also with the worker dead too
 * (its respawn continues the waiting call as the person said), with a wait far longer
 * than heartbeat × misses (the waiting worker is idle, not hung), and --detach-on-wait.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPidAlive } from '../../src/util/fs.js';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';
import { fakeEnv } from '../anthropic/helpers.js';
import { runCli, startCli, type CliRun } from '../support/cli.js';
import { FINAL, WRITE_CALL, cli, journal, openRequest, killWorkers, scriptWriter, startSession, status, until, usePeopleFixtures } from './helpers.js';

const fx = usePeopleFixtures('mailroom-people-crash-');
const { runtime, dirs } = fx;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const workerCalls = () => fx.server.requestsFor('w01-writing').length;
const coordinatorCalls = () => fx.server.requestsFor('coordinator').length;

/** A session whose writer waits for approval of write_file, with its open request. */
async function waitingSession(extra: string[] = []) {
  scriptWriter(fx.server);
  const rt = runtime();
  const run = startSession(fx.server, rt, ['--require-approval', 'write_file', ...extra]);
  const { dir, request } = await openRequest(rt);
  dirs.push(dir);
  return { rt, run, dir, request };
}

/** SIGKILLs the coordinator once it has journaled the request (so a resume knows of it). */
async function killOnceJournaled(run: CliRun, dir: string, requestId: string): Promise<void> {
  await until(() => journal(dir).some((e) => e.type === 'request' && e.id === requestId), 'the request journaled');
  run.child.kill('SIGKILL');
  await run.done;
}

function resume(rt: string) {
  return runCli(['--resume', 'latest', '--runtime-dir', rt], { env: fakeEnv(fx.server) });
}

describe('waiting for a person survives crashes', () => {
  it('coordinator killed while waiting, answered while it is down, resumed: completes with 0 repeated model calls', async () => {
    const { rt, run, dir, request } = await waitingSession();
    const workerPid = await until(() => findWorkerProcesses(dir).get('w01-writing'), 'the worker pid');
    // The coordinator journaled the request before it dies.
    await killOnceJournaled(run, dir, request.id);
    // The worker keeps waiting with no coordinator.
    await sleep(1500);
    expect(isPidAlive(workerPid)).toBe(true);
    expect(workerCalls()).toBe(1);

    const ok = await cli(rt, ['approve', 'latest', request.id]);
    expect(ok.code, ok.stderr).toBe(0);
    // The answer reaches the waiting worker at once: it finishes and leaves its result.
    await until(() => !isPidAlive(workerPid), 'the worker to finish');
    expect(fs.readFileSync(path.join(dir, 'workspace', 'CHANGELOG.md'), 'utf8')).toBe(WRITE_CALL.input.content);

    const resumed = await resume(rt);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trim()).toBe(FINAL);
    expect(status(dir)).toBe('completed');
    // 0 repeated model calls: the worker's two turns, one plan and one synthesis.
    expect(workerCalls()).toBe(2);
    expect(fx.server.requestsFor('coordinator').filter((r) => r.body?.tool_choice?.name === 'plan_subtasks')).toHaveLength(1);
    expect(coordinatorCalls()).toBe(2);
    const j = journal(dir);
    expect(j.filter((e) => e.type === 'request')).toHaveLength(1);
    expect(j.find((e) => e.type === 'reply')).toMatchObject({ id: request.id, kind: 'approval' });
    expect(j.filter((e) => e.type === 'spawn')).toHaveLength(1);
  }, 180_000);

  it('worker and coordinator both killed while waiting, denied, resumed: the respawn continues the call as denied, no model call repeated', async () => {
    const { rt, run, dir, request } = await waitingSession();
    await killOnceJournaled(run, dir, request.id);
    expect(killWorkers(dir)).toHaveLength(1);
    await until(() => findWorkerProcesses(dir).size === 0, 'the worker gone');

    const no = await cli(rt, ['deny', 'latest', request.id, '--reason', 'REASON-77: not while nobody watches']);
    expect(no.code, no.stderr).toBe(0);
    const resumed = await resume(rt);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trim()).toBe(FINAL);
    // The respawn did not ask the model again for the call it was waiting on: it ran the
    // pending call as denied, and its one new model call carries the reason.
    expect(workerCalls()).toBe(2);
    const second = fx.server.requestsFor('w01-writing')[1]!;
    const messages = second.body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    expect(messages.filter((m) => m.role === 'assistant')).toHaveLength(1);
    expect(messages.at(-1)!.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: WRITE_CALL.id, is_error: true });
    expect(JSON.stringify(messages.at(-1))).toContain('REASON-77');
    expect(fs.existsSync(path.join(dir, 'workspace', 'CHANGELOG.md'))).toBe(false);
    const j = journal(dir);
    expect(j.filter((e) => e.type === 'spawn')).toHaveLength(2);
    // Asked once: the respawn found the reply on disk instead of asking again.
    expect(j.filter((e) => e.type === 'request')).toHaveLength(1);
    expect(fs.readdirSync(path.join(dir, 'agents', 'human', 'mailbox', 'cur')).length + fs.readdirSync(path.join(dir, 'agents', 'human', 'mailbox', 'new')).length).toBe(1);
    expect(status(dir)).toBe('completed');
  }, 180_000);

  it('a wait longer than heartbeat-ms × heartbeat-misses (and than the wall clock) does not get the worker killed', async () => {
    // heartbeat 200 ms × 3 misses = 600 ms; the attempt's wall clock is 4 s.
    const { rt, run, dir, request } = await waitingSession(['--timeout', '4']);
    const workerPid = await until(() => findWorkerProcesses(dir).get('w01-writing'), 'the worker pid');
    await sleep(6000);
    expect(isPidAlive(workerPid)).toBe(true);
    expect(journal(dir).filter((e) => e.type === 'failure' || e.type === 'terminate')).toEqual([]);
    const ok = await cli(rt, ['approve', 'latest', request.id]);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(journal(dir).filter((e) => e.type === 'failure' || e.type === 'terminate')).toEqual([]);
    expect(journal(dir).filter((e) => e.type === 'spawn')).toHaveLength(1);
    expect(workerCalls()).toBe(2);
  }, 180_000);

  it('--detach-on-wait exits 4 with status waiting; --resume after the answer completes it', async () => {
    scriptWriter(fx.server);
    const rt = runtime();
    const done = await startSession(fx.server, rt, ['--require-approval', 'write_file', '--detach-on-wait']).done;
    expect(done.code, done.stderr).toBe(4);
    const { dir, request } = await openRequest(rt);
    dirs.push(dir);
    expect(status(dir)).toBe('waiting');
    expect(done.stderr).toContain(`mailroom approve ${path.basename(dir)} ${request.id}`);
    const ok = await cli(rt, ['approve', 'latest', request.id]);
    expect(ok.code, ok.stderr).toBe(0);
    const resumed = await resume(rt);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trim()).toBe(FINAL);
    expect(status(dir)).toBe('completed');
    expect(workerCalls()).toBe(2);
    expect(fx.server.requestsFor('coordinator').filter((r) => r.body?.tool_choice?.name === 'plan_subtasks')).toHaveLength(1);
  }, 180_000);

  it('resumed while the worker still waits: it reattaches, shows waiting again, and the answer finishes it', async () => {
    const { rt, run, dir, request } = await waitingSession();
    const workerPid = await until(() => findWorkerProcesses(dir).get('w01-writing'), 'the worker pid');
    await killOnceJournaled(run, dir, request.id);
    const resumed = startCli(['--resume', 'latest', '--runtime-dir', rt], { env: fakeEnv(fx.server) });
    await until(() => journal(dir).some((e) => e.type === 'reattach' && e.pid === workerPid), 'the waiting worker reattached');
    // The resumed coordinator wrote running, then waiting again once it had synced (before it reattached).
    await until(() => status(dir) === 'waiting', 'status waiting after the resume');
    const ok = await cli(rt, ['approve', 'latest', request.id]);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await resumed.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe(FINAL);
    expect(workerCalls()).toBe(2);
    expect(journal(dir).filter((e) => e.type === 'spawn')).toHaveLength(1);
    expect(status(dir)).toBe('completed');
  }, 180_000);
});
