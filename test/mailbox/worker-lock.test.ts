/**
 * Issue 12, item 3: a lost mailbox lock ends the process's role. A real session runs; while
 * a worker waits on a slow model call, another reader takes its mailbox over. The worker
 * exits at once, saying why, and the coordinator retries the subtask to completion. A
 * coordinator whose mailbox is taken stops the session `failed`, naming the lost lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MailboxReader } from '../../src/mailbox/index.js';
import { isPidAlive } from '../../src/util/fs.js';
import { readJson, startCli } from '../support/cli.js';
import { callsByAgent, journalOf, planReply, textReply, waitFor } from '../support/script.js';
import { TWO_INDEPENDENT, cleanUpAfterEach, runtimeWithScript } from '../support/supervision-fixture.js';

cleanUpAfterEach();

describe('a process whose mailbox lock is taken', () => {
  it('exits at once with a clear error, and its subtask is retried', { timeout: 120_000 }, async () => {
    const env = runtimeWithScript({
      coordinator: [planReply({ ...TWO_INDEPENDENT, failurePolicy: 'all' }), textReply('DONE')],
      'w01-research': [textReply('SLOW-1', 30_000), textReply('SLOW-2')],
      'w02-research': [textReply('QUICK')],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, '--no-live', 'task']);
    const dir = await env.sessionDir();
    await waitFor(() => callsByAgent(env.script)['w01-research'] === 1, 60_000, 'the model call in flight');
    const pid = journalOf(dir).find((e) => e.type === 'spawn' && e.agent === 'w01-research')!.pid as number;
    const session = readJson<{ id: string }>(path.join(dir, 'session.json'));
    // An intruder takes the worker's mailbox; it in turn loses it to the retried attempt.
    const intruder = new MailboxReader({ sessionDir: dir, sessionId: session.id, agentId: 'w01-research', takeOverLock: true, handler: async () => undefined });
    await intruder.start();
    try {
      await waitFor(() => !isPidAlive(pid), 30_000, 'the worker to exit');
      const stderr = fs.readFileSync(path.join(dir, 'agents', 'w01-research', 'stderr.log'), 'utf8');
      expect(stderr).toMatch(/worker w01-research: mailbox .* the reader lock was lost \(taken over by generation \d+\); this reader stopped; exiting/);
      expect(fs.readFileSync(path.join(dir, 'agents', 'w01-research', 'log.ndjson'), 'utf8')).toMatch(/worker mailbox lock lost to another reader; exiting/);
    } finally {
      await intruder.stop();
    }
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const journal = journalOf(dir);
    expect(journal.find((e) => e.type === 'result' && e.agent === 'w01-research')).toMatchObject({ attempt: 2, output: 'SLOW-2' });
    expect(env.watch.live()).toEqual([]);
  });

  it('a coordinator stops the session failed, naming the lost lock', { timeout: 120_000 }, async () => {
    const env = runtimeWithScript({
      coordinator: [planReply({ ...TWO_INDEPENDENT, failurePolicy: 'all' }), textReply('DONE')],
      'w01-research': [textReply('SLOW', 30_000)],
      'w02-research': [textReply('QUICK', 30_000)],
    });
    const run = startCli(['--runtime-dir', env.runtime, '--script', env.script, '--no-live', 'task']);
    const dir = await env.sessionDir();
    await waitFor(() => callsByAgent(env.script)['w01-research'] === 1, 60_000, 'a worker model call in flight');
    const session = readJson<{ id: string }>(path.join(dir, 'session.json'));
    const intruder = new MailboxReader({ sessionDir: dir, sessionId: session.id, agentId: 'coordinator', takeOverLock: true, handler: async () => undefined });
    await intruder.start();
    try {
      const done = await run.done;
      expect(done.code).not.toBe(0);
      const record = readJson<{ status: string; reason?: string }>(path.join(dir, 'session.json'));
      expect(record.status).toBe('failed');
      expect(record.reason).toMatch(/mailbox .*coordinator.* the reader lock was lost \(taken over by generation \d+\); this reader stopped/);
      expect(fs.readFileSync(path.join(dir, 'agents', 'coordinator', 'log.ndjson'), 'utf8')).toMatch(/coordinator mailbox lock lost; stopping/);
    } finally {
      await intruder.stop();
    }
    await waitFor(() => env.watch.live().length === 0, 30_000, 'no worker left');
  });
});
