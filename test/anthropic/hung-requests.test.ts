/**
 * Model requests that never answer (issue 12, items 14 and 15), with the real CLI, real
 * worker processes and the real SDK against the fake Messages API:
 * - a worker request that never answers times out well under the wall clock, is named as
 *   the cause, and the attempt is retried;
 * - a stream that stalls after its headers is abandoned by the idle timeout;
 * - a slow planning call is announced on stderr while it waits;
 * - Ctrl-C during a coordinator model call ends the session `interrupted`, exit 130.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_PROJECT, killStartedClis, onlySession, readJson, runCli, startCli, tempRuntime } from '../support/cli.js';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { journalOf, waitFor } from '../support/script.js';
import { fakeEnv, planReply, routeSession, textReply, workersLeft } from './helpers.js';

/** Longer than any test: a request that never answers. */
const NEVER = 10 * 60_000;

const runtimes: string[] = [];
const servers: FakeAnthropicServer[] = [];
afterEach(async () => {
  killStartedClis();
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => {
  for (const r of runtimes) fs.rmSync(r, { recursive: true, force: true });
});

async function setup() {
  const runtime = tempRuntime('mailroom-hung-');
  runtimes.push(runtime);
  const server = await FakeAnthropicServer.start();
  servers.push(server);
  return { runtime, server };
}

const ONE_SUBTASK = [{ id: 'find', role: 'research' as const, description: 'TASK: find the error classes' }];

describe('a model request that never answers', () => {
  it('times out well under the wall clock, is named as the cause, and the attempt is retried', async () => {
    const { runtime, server } = await setup();
    routeSession(server, {
      plan: [planReply(ONE_SUBTASK, 'all')],
      synthesis: [textReply('FINAL: found them')],
      workers: { 'w01-research': [{ type: 'message', content: [{ type: 'text', text: 'never sent' }], delayMs: NEVER }, textReply('OUTPUT: src/errors.ts')] },
    });
    const run = await runCli(['--runtime-dir', runtime, '--source', SAMPLE_PROJECT, '--no-server-tools', '--no-live', '--timeout', '30', 'Find the error classes'], {
      env: fakeEnv(server, { MAILROOM_MAX_RETRIES: '0', MAILROOM_REQUEST_TIMEOUT_MS: '1500' }),
    });
    const dir = onlySession(runtime);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('FINAL: found them');
    const failures = journalOf(dir).filter((e) => e.type === 'failure');
    expect(failures).toHaveLength(1);
    // The hung request is the named cause, and it is retryable (not the wall clock's E_LIMIT).
    expect(failures[0]).toMatchObject({ attempt: 1, code: 'E_MODEL_TIMEOUT', final: false });
    expect(String(failures[0]!.error)).toMatch(/no response .*within 1500 ms/);
    expect(String(failures[0]!.error)).toContain(server.url);
    expect(journalOf(dir).find((e) => e.type === 'result')).toMatchObject({ attempt: 2, output: 'OUTPUT: src/errors.ts' });
    expect(await workersLeft(dir)).toEqual([]);
  }, 240_000);

  it('a stream that stalls after its headers is abandoned by the idle timeout and retried', async () => {
    const { runtime, server } = await setup();
    routeSession(server, {
      plan: [planReply(ONE_SUBTASK, 'all')],
      synthesis: [textReply('FINAL: streamed')],
      workers: { 'w01-research': [{ type: 'message', content: [{ type: 'text', text: 'stalls after message_start' }], slowChunkMs: NEVER }, textReply('OUTPUT: after the stall')] },
    });
    const run = await runCli(['--runtime-dir', runtime, '--source', SAMPLE_PROJECT, '--no-server-tools', '--no-live', '--timeout', '60', 'Find the error classes'], {
      env: fakeEnv(server, { MAILROOM_MAX_RETRIES: '1', MAILROOM_STREAM_IDLE_TIMEOUT_MS: '1500' }),
    });
    const dir = onlySession(runtime);
    expect(run.code, run.stderr).toBe(0);
    // Retried inside the same attempt: no failure at all, and the second stream's text is the result.
    expect(journalOf(dir).filter((e) => e.type === 'failure')).toEqual([]);
    expect(journalOf(dir).find((e) => e.type === 'result')).toMatchObject({ attempt: 1, output: 'OUTPUT: after the stall' });
    expect(server.requestsFor('w01-research')).toHaveLength(2);
  }, 240_000);

  it('a slow planning call is announced on stderr while it waits', async () => {
    const { runtime, server } = await setup();
    routeSession(server, {
      plan: [{ ...planReply(ONE_SUBTASK, 'all'), delayMs: 3500 }],
      synthesis: [textReply('FINAL: slow plan')],
      workers: { 'w01-research': [textReply('OUTPUT: quick')] },
    });
    const run = await runCli(['--runtime-dir', runtime, '--source', SAMPLE_PROJECT, '--no-server-tools', '--no-live', 'Find the error classes'], {
      env: fakeEnv(server, { MAILROOM_SLOW_CALL_MS: '1000' }),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/still waiting for the model \(plan, [\d.]+ s so far/);
  }, 240_000);
});

describe('Ctrl-C during a coordinator model call', () => {
  it('ends the session interrupted, exit 130', async () => {
    const { runtime, server } = await setup();
    routeSession(server, {
      plan: [{ ...planReply(ONE_SUBTASK, 'all'), delayMs: NEVER }],
      synthesis: [],
      workers: {},
    });
    const cli = startCli(['--runtime-dir', runtime, '--source', SAMPLE_PROJECT, '--no-server-tools', 'Find the error classes'], { env: fakeEnv(server) });
    // The planning request is in flight (and will never be answered) when Ctrl-C comes.
    await waitFor(() => server.requestsFor('coordinator').length > 0, 60_000, 'the planning request');
    process.kill(cli.pid, 'SIGINT');
    const done = await cli.done;
    const dir = onlySession(runtime);
    expect(done.code, done.stderr).toBe(130);
    expect(readJson<{ status: string; reason?: string }>(path.join(dir, 'session.json'))).toMatchObject({ status: 'interrupted' });
    expect(journalOf(dir).at(-1)).toMatchObject({ type: 'session_ended', status: 'interrupted' });
    expect(done.stderr).not.toMatch(/the model call was aborted/);
  }, 240_000);
});
