/**
 * Issue 12, items 1 and 2: a failing handler is retried with backoff (and only dead-lettered
 * after its attempts, or at once for a BadMessageError), and per-sender order holds across
 * passes, even when a listing of new/ misses a sender's message k but has k+1.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BadMessageError } from '../../src/errors.js';
import { MailboxSender, messageFileName } from '../../src/mailbox/index.js';
import { lsSync, makeSession, waitFor, type TestSession, readerFixture } from './helpers.js';

describe('MailboxReader retries and order', () => {
  let s: TestSession | undefined;
  const { reader, folder } = readerFixture(() => s);
  const text = (env: { type: string; body: unknown }) => (env.type === 'message' ? (env.body as { text: string }).text : env.type);
  const transient = (code: string) => Object.assign(new Error(`${code}: resource temporarily unavailable`), { code });

  it('retries a handler that fails transiently, keeps the sender\'s order behind it, and acks it once it succeeds', async () => {
    s = await makeSession(['coordinator']);
    const a = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const b = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w02-review' });
    await a.send('coordinator', 'message', { text: 'a0' });
    await a.send('coordinator', 'message', { text: 'a1' });
    await b.send('coordinator', 'message', { text: 'b0' });
    const calls: string[] = [];
    let failures = 0;
    const r = reader({
      handlerRetry: { baseDelayMs: 20, maxDelayMs: 50 },
      handler: async (env) => {
        calls.push(text(env));
        // A journal append that hits EAGAIN, then EMFILE, then works.
        if (text(env) === 'a0' && failures < 2) throw transient(++failures === 1 ? 'EAGAIN' : 'EMFILE');
      },
    });
    await r.start();
    await waitFor(() => lsSync(folder('cur')).length === 3, 'all three acked');
    expect(calls.filter((c) => c === 'a0')).toHaveLength(3);
    // a1 waited for a0; another sender was not held up by a0's retries.
    expect(calls.filter((c) => c.startsWith('a'))).toEqual(['a0', 'a0', 'a0', 'a1']);
    expect(calls.indexOf('b0')).toBeLessThan(calls.lastIndexOf('a0'));
    expect(lsSync(folder('dead'))).toEqual([]);
    expect(r.stats).toMatchObject({ handled: 3, retried: 2, dead: 0 });
  });

  it('dead-letters after the last attempt, counting the attempts in the reason, and then goes on', async () => {
    s = await makeSession(['coordinator']);
    const a = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const doomed = await a.send('coordinator', 'message', { text: 'doomed' });
    const after = await a.send('coordinator', 'message', { text: 'after' });
    const calls: string[] = [];
    const r = reader({
      handlerRetry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 },
      handler: async (env) => {
        calls.push(text(env));
        if (text(env) === 'doomed') throw new Error('journal append failed: EIO');
      },
    });
    await r.start();
    await waitFor(() => calls.includes('after'), 'the next message of the same sender');
    expect(calls).toEqual(['doomed', 'doomed', 'doomed', 'after']);
    const name = messageFileName(doomed.sentAt, doomed.seq, doomed.id);
    expect(lsSync(folder('dead'))).toEqual([name, `${name}.reason.txt`]);
    expect(fs.readFileSync(path.join(folder('dead'), `${name}.reason.txt`), 'utf8')).toMatch(/^handler failed 3 of 3 attempts; last error: journal append failed: EIO\n$/);
    await waitFor(() => lsSync(folder('cur')).includes(messageFileName(after.sentAt, after.seq, after.id)), 'the ack of the next one');
  });

  it('dead-letters at once when the handler says the message itself is bad', async () => {
    s = await makeSession(['coordinator']);
    const a = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const bad = await a.send('coordinator', 'message', { text: 'bad' });
    let calls = 0;
    const r = reader({
      handler: async () => {
        calls++;
        throw new BadMessageError('result for a subtask that is not in the plan');
      },
    });
    await r.start();
    const name = messageFileName(bad.sentAt, bad.seq, bad.id);
    await waitFor(() => lsSync(folder('dead')).includes(name), 'the dead letter');
    expect(calls).toBe(1);
    expect(fs.readFileSync(path.join(folder('dead'), `${name}.reason.txt`), 'utf8')).toMatch(/rejected the message as bad \(attempt 1\): result for a subtask/);
  });

  it("keeps a sender's order when one listing misses its message k but has k+1", async () => {
    s = await makeSession(['coordinator']);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const got: string[] = [];
    let injected = false;
    const r = reader({
      watch: false,
      rescanIntervalMs: 600_000,
      seams: {
        // The first listing "runs" while the sender delivers k, then k+1, and (as readdir may
        // under concurrent renames) it has caught k+1 but not k.
        listNew: async (dir) => {
          const names = await fsp.readdir(dir);
          if (injected) return names;
          injected = true;
          await sender.send('coordinator', 'message', { text: 'k' });
          const next = await sender.send('coordinator', 'message', { text: 'k+1' });
          return [...names, messageFileName(next.sentAt, next.seq, next.id)];
        },
      },
      handler: async (env) => void got.push(text(env)),
    });
    await r.start();
    await r.pump();
    await waitFor(() => got.length === 2, 'both messages');
    expect(got).toEqual(['k', 'k+1']);
    expect(r.stats.relists).toBeGreaterThan(0);
  });

  it('takes no second listing for a backlog that was already settled', async () => {
    s = await makeSession(['coordinator']);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    for (let i = 0; i < 20; i++) await sender.send('coordinator', 'message', { text: `m${i}` });
    await sleep(300);
    const got: string[] = [];
    const r = reader({ watch: false, rescanIntervalMs: 600_000, handler: async (env) => void got.push(text(env)) });
    await r.start();
    await r.pump();
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(r.stats.relists).toBe(0);
  });
});
