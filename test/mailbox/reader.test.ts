import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BadMessageError, MailboxLockedError, UnknownRecipientError } from '../../src/errors.js';
import {
  MailboxReader,
  MailboxSender,
  mailboxDir,
  messageFileName,
  type Envelope,
  } from '../../src/mailbox/index.js';
import { envelope, lsSync, makeSession, removeSession, waitFor, type TestSession, readerFixture } from './helpers.js';

describe('MailboxReader', () => {
  let s: TestSession | undefined;
  const { reader, folder } = readerFixture(() => s);

  const box = () => mailboxDir(s!.dir, 'coordinator');
  const writeNew = (name: string, content: string) => fs.writeFileSync(path.join(folder('new'), name), content);

  it('moves each kind of bad file to dead/ with a reason, and carries on', async () => {
    s = await makeSession(['coordinator']);
    const good = (id: string, text = 'hello') => JSON.stringify(envelope({ id, body: { text } }, s!.id));
    writeNew(messageFileName(1, 0, 'notjson'), '{ this is not json');
    writeNew(messageFileName(1, 1, 'badschema'), JSON.stringify(envelope({ id: 'badschema', body: { text: 5 } }, s.id)));
    writeNew(messageFileName(1, 2, 'othersession'), JSON.stringify(envelope({ id: 'othersession' }, 'other-session')));
    fs.writeFileSync(path.join(s.dir, 'outside.json'), good('linked'));
    fs.symlinkSync(path.join(s.dir, 'outside.json'), path.join(folder('new'), messageFileName(1, 3, 'linked')));
    writeNew(messageFileName(1, 4, 'oversize'), good('oversize', 'y'.repeat(5000)));
    writeNew(messageFileName(1, 5, 'elsewhere'), JSON.stringify(envelope({ id: 'elsewhere', to: 'w01-research' }, s.id)));
    writeNew(messageFileName(1, 6, 'stale'), JSON.stringify(envelope({ id: 'stale', epoch: 1 }, s.id)));
    writeNew('hello.json', good('badname'));
    writeNew(messageFileName(1, 7, 'nameid'), good('otherid'));
    writeNew(messageFileName(1, 8, 'boom'), good('boom', 'boom'));
    const expected: Record<string, RegExp> = {
      notjson: /not valid JSON/,
      badschema: /schema at body\.text/,
      othersession: /belongs to session other-session/,
      linked: /symlink/,
      oversize: /too large/,
      elsewhere: /addressed to w01-research/,
      stale: /stale epoch 1 < current epoch 2/,
      nameid: /file name id nameid does not match envelope id otherid/,
      boom: /handler rejected the message as bad \(attempt 1\): kaboom/,
    };

    const seen: string[] = [];
    const r = reader({
      maxMessageBytes: 4096,
      minEpoch: () => 2,
      handler: async (env) => {
        if (env.type === 'message' && env.body.text === 'boom') throw new BadMessageError('kaboom');
        seen.push(env.id);
      },
    });
    await r.start();
    await r.pump();
    const after = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const ok = await after.send('coordinator', 'message', { text: 'after the bad ones' });
    await waitFor(() => seen.includes(ok.id), 'the good message after the bad ones');

    const dead = lsSync(folder('dead'));
    for (const [id, re] of Object.entries(expected)) {
      const name = dead.find((n) => n.endsWith(`-${id}.json`));
      expect(name, id).toBeDefined();
      const reason = fs.readFileSync(path.join(folder('dead'), `${name}.reason.txt`), 'utf8');
      expect(reason, id).toMatch(re);
      expect(reason.trim().split('\n'), id).toHaveLength(1);
    }
    expect(fs.readFileSync(path.join(folder('dead'), 'hello.json.reason.txt'), 'utf8')).toMatch(/file name does not match/);
    expect(fs.lstatSync(path.join(folder('dead'), messageFileName(1, 3, 'linked'))).isSymbolicLink()).toBe(true);
    expect(seen).toEqual([ok.id]);
    expect(lsSync(folder('new'))).toEqual([]);
    expect(lsSync(folder('cur'))).toHaveLength(1);
    expect(r.stats.dead).toBe(Object.keys(expected).length + 1);
  });

  it('delivers messages sent while no reader ran, in order, when it starts', async () => {
    for (const watch of [true, false]) {
      await removeSession(s);
      s = await makeSession(['coordinator']);
      const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
      const sent: string[] = [];
      for (let i = 0; i < 5; i++) sent.push((await sender.send('coordinator', 'message', { text: `m${i}` })).id);
      const got: string[] = [];
      const r = reader({ watch, handler: async (env) => void got.push(env.id) });
      await r.start();
      await waitFor(() => got.length === 5, `backlog delivered (watch=${watch})`);
      expect(got).toEqual(sent);
      await waitFor(() => lsSync(folder('cur')).length === 5, 'acks');
      await r.stop();
    }
  });

  it('wakes on the watcher alone when the rescan timer is far away', async () => {
    s = await makeSession(['coordinator']);
    const got: Envelope[] = [];
    const r = reader({ rescanIntervalMs: 600_000, handler: async (env) => void got.push(env) });
    await r.start();
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const m = await sender.send('coordinator', 'message', { text: 'ping' });
    await waitFor(() => got.length === 1, 'a watch event to deliver the message');
    expect(got[0]).toEqual(m);
  });

  it('handles a message its watch event named after one listing, without a second', async () => {
    s = await makeSession(['coordinator']);
    const got: Envelope[] = [];
    const r = reader({ rescanIntervalMs: 600_000, handler: async (env) => void got.push(env) });
    await r.start();
    await waitFor(() => r.stats.passes >= 1, 'the first pass');
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    // Spaced: each message arrives alone, just before the pass its event wakes, so its ctime
    // alone would not settle it; the event's name does (arrival-order.ts).
    for (let i = 0; i < 5; i++) {
      const m = await sender.send('coordinator', 'message', { text: `spaced ${i}` });
      await waitFor(() => got.some((e) => e.id === m.id), `spaced ${i} handled`);
    }
    expect(got.map((e) => (e.type === 'message' ? e.body.text : e.type))).toEqual([0, 1, 2, 3, 4].map((i) => `spaced ${i}`));
    expect(r.stats.relists).toBe(0);
    // The reader's own acks out of new/ are events too, but wake no pass: one pass per message at most.
    expect(r.stats.passes).toBeLessThanOrEqual(1 + 5 + 1);
    expect(lsSync(folder('cur'))).toHaveLength(5);
  });

  it('runs one listing per pass and coalesces concurrent pumps into one more pass', async () => {
    s = await makeSession(['coordinator']);
    let calls = 0;
    const r = reader({ watch: false, rescanIntervalMs: 600_000, handler: async () => void calls++ });
    await r.start();
    await r.pump();
    const base = r.stats.passes;
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    for (let i = 0; i < 30; i++) await sender.send('coordinator', 'message', { text: `m${i}` });
    const results = await Promise.all([r.pump(), r.pump(), r.pump(), r.pump()]);
    expect(results).toEqual([30, 30, 30, 30]);
    expect(calls).toBe(30);
    // The first call's pass listed all 30 files at once; the three calls during it asked for exactly one more.
    expect(r.stats.passes - base).toBe(2);
    expect(await r.pump()).toBe(0);
    expect(r.stats.passes - base).toBe(3);
  });

  it('skips a file that vanishes between listing and reading', async () => {
    s = await makeSession(['coordinator']);
    const a = messageFileName(1, 0, 'first');
    const b = messageFileName(1, 1, 'second');
    writeNew(a, JSON.stringify(envelope({ id: 'first' }, s.id)));
    writeNew(b, JSON.stringify(envelope({ id: 'second' }, s.id)));
    const seen: string[] = [];
    const r = reader({
      watch: false,
      rescanIntervalMs: 600_000,
      handler: async (env) => {
        seen.push(env.id);
        // Both names are in this pass's listing; remove the second before the pump reaches it.
        fs.rmSync(path.join(folder('new'), b));
      },
    });
    await r.start();
    await r.pump();
    expect(seen).toEqual(['first']);
    expect(lsSync(folder('dead'))).toEqual([]);
    expect(lsSync(folder('cur'))).toEqual([a]);
    expect(r.stats).toMatchObject({ handled: 1, dead: 0 });
  });

  it('refuses a second reader, and takeOverLock fences the old one off', async () => {
    s = await makeSession(['coordinator']);
    const gotA: string[] = [];
    const gotB: string[] = [];
    let lost: Error | undefined;
    const a = reader({ lockStaleMs: 2000, handler: async (env) => void gotA.push(env.id), onLockLost: (err) => (lost = err) });
    await a.start();
    expect(lsSync(box()).filter((n) => n.startsWith('reader.lock.'))).toEqual(['reader.lock.1']);

    const second = reader({ handler: async () => undefined });
    const err = await second.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailboxLockedError);
    expect((err as MailboxLockedError).code).toBe('E_MAILBOX_LOCKED');
    expect(((err as MailboxLockedError).cause as { code?: string }).code).toBe('ELOCKED');

    const b = reader({ takeOverLock: true, handler: async (env) => void gotB.push(env.id) });
    await b.start();
    // The old reader notices at its next pass or lock refresh, stops, and says so.
    await waitFor(() => lost !== undefined, 'the old reader to notice the takeover', 10_000);
    expect((lost as { code?: string }).code).toBe('E_MAILBOX_LOCK_LOST');
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const m = await sender.send('coordinator', 'message', { text: 'after takeover' });
    await waitFor(() => gotB.includes(m.id), 'the new reader to handle');
    expect(gotA).toEqual([]);

    // Stopping the old reader must not remove the new owner's lock.
    await a.stop();
    await expect(reader({ handler: async () => undefined }).start()).rejects.toBeInstanceOf(MailboxLockedError);
    await b.stop();
    // And once released, a new reader can start normally, counting generations on.
    const c = reader({ handler: async () => undefined });
    await c.start();
    expect(lsSync(box()).filter((n) => n.startsWith('reader.lock'))).toEqual(['reader.lock.3']);
    await c.stop();
  });

  it('takeOverLock also works when the old owner did not notice (stopped before its refresh)', async () => {
    s = await makeSession(['coordinator']);
    const a = reader({ handler: async () => undefined });
    await a.start();
    const b = reader({ takeOverLock: true, handler: async () => undefined });
    await b.start();
    await a.stop();
    const third = reader({ handler: async () => undefined });
    await expect(third.start()).rejects.toBeInstanceOf(MailboxLockedError);
  });

  it('removes tmp/ leftovers of unknown writers only once they are over an hour old', async () => {
    s = await makeSession(['coordinator']);
    const old = path.join(folder('tmp'), messageFileName(1, 0, 'old'));
    const young = path.join(folder('tmp'), messageFileName(1, 0, 'young'));
    fs.writeFileSync(old, '{"partial":');
    fs.writeFileSync(young, '{"in progress":');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    fs.utimesSync(old, twoHoursAgo, twoHoursAgo);
    fs.utimesSync(young, twoMinutesAgo, twoMinutesAgo);
    const r = reader({ handler: async () => undefined });
    await r.start();
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(young)).toBe(true);
  });

  it('refuses to start on a missing mailbox; pump before start rejects; stop is idempotent', async () => {
    s = await makeSession(['coordinator']);
    const ghost = new MailboxReader({ sessionDir: s.dir, sessionId: s.id, agentId: 'w07-ghost', handler: async () => undefined });
    await expect(ghost.start()).rejects.toBeInstanceOf(UnknownRecipientError);
    expect(fs.existsSync(path.join(s.dir, 'agents', 'w07-ghost'))).toBe(false);
    const r = reader({ handler: async () => undefined });
    await expect(r.pump()).rejects.toThrow(/not started/);
    await r.start();
    await Promise.all([r.stop(), r.stop()]);
    await r.stop();
    expect(await r.pump()).toBe(0);
    // Released: the next reader starts without a takeover.
    await reader({ handler: async () => undefined }).start();
  });
});

describe('MailboxReader backlog', () => {
  let s: TestSession | undefined;
  let r: MailboxReader | undefined;
  afterEach(async () => {
    await r?.stop();
    r = undefined;
    await removeSession(s);
    s = undefined;
  });

  it('lets the event loop run while it drains a backlog with synchronous file calls', async () => {
    s = await makeSession(['coordinator']);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const n = 2000;
    for (let i = 0; i < n; i++) await sender.send('coordinator', 'message', { text: `b${i}` });
    let handled = 0;
    let timerRan = false;
    let timerRanBeforeEnd = false;
    r = new MailboxReader({
      sessionDir: s.dir,
      sessionId: s.id,
      agentId: 'coordinator',
      rescanIntervalMs: 600_000,
      // A handler that never waits: only the pass's own yields let a timer in.
      handler: async () => {
        if (handled++ === 0) setTimeout(() => (timerRan = true), 0);
        if (handled === n) timerRanBeforeEnd = timerRan;
      },
    });
    await r.start();
    await waitFor(() => handled === n, 'the backlog to drain');
    expect(timerRanBeforeEnd).toBe(true);
  });

  it('drains a large backlog unwatched, then wakes on the watcher again', async () => {
    s = await makeSession(['coordinator']);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    for (let i = 0; i < 40; i++) await sender.send('coordinator', 'message', { text: `backlog ${i}` });
    const got: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let blocked = false;
    r = new MailboxReader({
      sessionDir: s.dir,
      sessionId: s.id,
      agentId: 'coordinator',
      // No timer to fall back on: only back-to-back passes and the re-opened watcher can deliver.
      rescanIntervalMs: 600_000,
      watchPauseAbove: 10,
      handler: async (env) => {
        const text = env.type === 'message' ? env.body.text : env.type;
        if (text === 'burst 0') {
          blocked = true;
          await gate;
        }
        got.push(text);
      },
    });
    await r.start();
    await waitFor(() => got.length === 40, 'the backlog to drain');
    expect(r.stats.watchPauses).toBe(1);

    // A burst that piles up while the handler is busy pauses the watcher again; it all arrives, in order.
    const burst = [(await sender.send('coordinator', 'message', { text: 'burst 0' })).body.text];
    await waitFor(() => blocked, 'the handler to block on the first burst message');
    for (let i = 1; i < 30; i++) burst.push((await sender.send('coordinator', 'message', { text: `burst ${i}` })).body.text);
    release();
    await waitFor(() => got.length === 70, 'the burst to drain');
    expect(got.slice(40)).toEqual(burst);
    expect(r.stats.watchPauses).toBe(2);

    const late = await sender.send('coordinator', 'message', { text: 'late' });
    await waitFor(() => got.includes(late.body.text), 'a watch event after the backlog');
    expect(got).toHaveLength(71);
  });
});
