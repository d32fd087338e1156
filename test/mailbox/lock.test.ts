/**
 * Issue 12, item 3 (and the lock half of item 7): the reader lock's ownership. Races are
 * driven through the reader's lock seams; exit hooks and dead owners use real processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MailboxLockedError } from '../../src/errors.js';
import { MailboxReader, MailboxSender, mailboxDir, type Envelope, type MailboxReaderOptions } from '../../src/mailbox/index.js';
import { Children, READER_SCRIPT, exited, lsSync, makeSession, removeSession, stdoutOf, waitFor, type TestSession } from './helpers.js';

describe('mailbox reader lock ownership', { timeout: 60_000 }, () => {
  let s: TestSession | undefined;
  const readers: MailboxReader[] = [];
  const children = new Children();
  afterEach(async () => {
    await children.killAll();
    await Promise.all(readers.splice(0).map((r) => r.stop()));
    await removeSession(s);
    s = undefined;
  });

  function reader(opts: Partial<MailboxReaderOptions> = {}, got: string[] = []): MailboxReader {
    const r = new MailboxReader({
      sessionDir: s!.dir,
      sessionId: s!.id,
      agentId: 'coordinator',
      rescanIntervalMs: 100,
      handler: async (env: Envelope) => void got.push(env.id),
      ...opts,
    });
    readers.push(r);
    return r;
  }
  const box = () => mailboxDir(s!.dir, 'coordinator');

  /** The lock is held: a plain reader is refused. */
  async function expectHeld(): Promise<void> {
    await expect(reader().start()).rejects.toBeInstanceOf(MailboxLockedError);
  }

  it("an old reader stopping while its successor takes over leaves the successor's lock alone", async () => {
    s = await makeSession(['coordinator']);
    const a = reader();
    await a.start();
    const gotB: string[] = [];
    // The old owner stops cleanly right after the successor created its lock, before the
    // successor did anything else.
    const b = reader({ takeOverLock: true, seams: { afterLockCreate: () => a.stop() } }, gotB);
    await b.start();
    await expectHeld();
    const m = await new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' }).send('coordinator', 'message', { text: 'hi' });
    await waitFor(() => gotB.includes(m.id), 'the successor to read');
  });

  it('two simultaneous takeovers give exactly one reader', async () => {
    s = await makeSession(['coordinator']);
    await reader().start();
    let arrived = 0;
    let bothThere: () => void = () => undefined;
    const both = new Promise<void>((resolve) => (bothThere = resolve));
    const barrier = async () => {
      if (++arrived === 2) bothThere();
      await both;
    };
    const b = reader({ takeOverLock: true, seams: { beforeLockTakeover: barrier } });
    const bStart = b.start();
    // Both have inspected the same old lock; then B goes all the way first, and C after it.
    const c = reader({ takeOverLock: true, seams: { beforeLockTakeover: async () => { await barrier(); await bStart.catch(() => undefined); } } });
    const results = await Promise.allSettled([bStart, c.start()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(MailboxLockedError);
    await expectHeld();
  });

  it("a taken-over reader process exiting does not remove its successor's lock, and learns it lost it", async () => {
    s = await makeSession(['coordinator']);
    const ready = path.join(s.dir, 'ready');
    const exitNow = path.join(s.dir, 'exit-now');
    const child = children.spawnTs(READER_SCRIPT, [
      '--session-dir', s.dir, '--session-id', s.id, '--agent', 'coordinator', '--record', path.join(s.dir, 'rec'),
      '--ready', ready, '--exit-without-stop', exitNow,
    ]);
    await waitFor(() => fs.existsSync(ready), 'the reader child to start');
    const b = reader({ takeOverLock: true });
    await b.start();
    fs.writeFileSync(exitNow, '');
    const code = await exited(child);
    // It either noticed the takeover first (exit 4, saying so) or exited as told (0).
    expect([0, 4]).toContain(code);
    if (code === 4) expect(stdoutOf(child)).toMatch(/"lockLost":".*taken over/);
    await expectHeld();
  });

  it('a reader process that loses its lock stops and says so', async () => {
    s = await makeSession(['coordinator']);
    const ready = path.join(s.dir, 'ready');
    const child = children.spawnTs(READER_SCRIPT, [
      '--session-dir', s.dir, '--session-id', s.id, '--agent', 'coordinator', '--record', path.join(s.dir, 'rec'), '--ready', ready,
    ]);
    await waitFor(() => fs.existsSync(ready), 'the reader child to start');
    await reader({ takeOverLock: true }).start();
    expect(await exited(child)).toBe(4);
    expect(stdoutOf(child)).toMatch(/"lockLost":".*the reader lock was lost \(taken over by generation 2\)/);
  });

  it("a dead owner's lock dated in the future does not refuse a plain start", async () => {
    s = await makeSession(['coordinator']);
    const ready = path.join(s.dir, 'ready');
    const child = children.spawnTs(READER_SCRIPT, [
      '--session-dir', s.dir, '--session-id', s.id, '--agent', 'coordinator', '--record', path.join(s.dir, 'rec'), '--ready', ready,
    ]);
    await waitFor(() => fs.existsSync(ready), 'the reader child to start');
    child.kill('SIGKILL');
    await exited(child);
    // The clock stepped back an hour since the owner last refreshed its lock.
    const future = new Date(Date.now() + 3600_000);
    for (const n of lsSync(box()).filter((n) => n.startsWith('reader.lock'))) fs.utimesSync(path.join(box(), n), future, future);
    const got: string[] = [];
    const r = reader({}, got);
    await r.start();
    const m = await new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' }).send('coordinator', 'message', { text: 'hi' });
    await waitFor(() => got.includes(m.id), 'the new reader to read');
  });

  it('a live owner keeps its lock against a plain start while its mtime is within the stale bound', async () => {
    s = await makeSession(['coordinator']);
    await reader({ lockStaleMs: 600_000 }).start();
    const past = new Date(Date.now() - 60_000);
    for (const n of lsSync(box()).filter((n) => /^reader\.lock\.\d+$/.test(n))) fs.utimesSync(path.join(box(), n), past, past);
    await expect(reader({ lockStaleMs: 600_000 }).start()).rejects.toBeInstanceOf(MailboxLockedError);
  });
});
