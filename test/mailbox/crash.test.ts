/**
 * At-least-once delivery across a reader crash, and dedupe by id rebuilt from cur/.
 * The crashing reader is a real child process, SIGKILLed inside its handler.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MailboxLockedError } from '../../src/errors.js';
import { MailboxReader, MailboxSender, mailboxDir, type Envelope } from '../../src/mailbox/index.js';
import { Children, READER_SCRIPT, exited, lsSync, makeSession, removeSession, waitFor, type TestSession } from './helpers.js';

describe('mailbox crash recovery', { timeout: 90_000 }, () => {
  let s: TestSession | undefined;
  const readers: MailboxReader[] = [];
  const children = new Children();
  afterEach(async () => {
    await children.killAll();
    await Promise.all(readers.splice(0).map((r) => r.stop()));
    await removeSession(s);
    s = undefined;
  });

  const AGENT = 'w01-research';
  const box = () => mailboxDir(s!.dir, AGENT);
  const recorded = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

  function reader(handled: Envelope[], extra: { takeOverLock?: boolean; lockStaleMs?: number } = {}): MailboxReader {
    const r = new MailboxReader({
      sessionDir: s!.dir,
      sessionId: s!.id,
      agentId: AGENT,
      rescanIntervalMs: 100,
      handler: async (env) => void handled.push(env),
      ...extra,
    });
    readers.push(r);
    return r;
  }

  /** Starts a reader child that records each id and then hangs; sends one message; kills the child mid-handler. */
  async function crashMidHandler(): Promise<{ id: string; name: string }> {
    const record = path.join(s!.dir, 'record.txt');
    const ready = path.join(s!.dir, 'reader-ready');
    const child = children.spawnTs(READER_SCRIPT, [
      '--session-dir', s!.dir, '--session-id', s!.id, '--agent', AGENT, '--record', record, '--ready', ready, '--hang',
    ]);
    await waitFor(() => fs.existsSync(ready), 'the reader child to start');
    const sender = new MailboxSender({ sessionDir: s!.dir, sessionId: s!.id, from: 'coordinator' });
    const sent = await sender.send(AGENT, 'message', { text: 'do the thing' });
    await waitFor(() => recorded(record).includes(sent.id), 'the child handler to record the id');
    child.kill('SIGKILL');
    expect(await exited(child)).toBe('SIGKILL');
    const names = lsSync(path.join(box(), 'new'));
    expect(names).toHaveLength(1);
    expect(lsSync(path.join(box(), 'cur'))).toEqual([]);
    return { id: sent.id, name: names[0]! };
  }

  it('delivers a handled-but-unacked message again after the reader crashed', async () => {
    s = await makeSession(['coordinator', AGENT]);
    const { id, name } = await crashMidHandler();

    // The dead child's lock is stale by its pid, however long the stale bound: a plain
    // reader takes it over (no need for takeOverLock, nor to wait for an mtime to age).
    const handled: Envelope[] = [];
    const r = reader(handled, { lockStaleMs: 600_000 });
    await r.start();
    await waitFor(() => handled.length === 1, 'redelivery');
    expect(handled[0]!.id).toBe(id);
    await waitFor(() => lsSync(path.join(box(), 'cur')).includes(name), 'the ack');
    expect(lsSync(path.join(box(), 'new'))).toEqual([]);
  });

  it('dedupes a crashed message whose id is already in cur/ (copy case)', async () => {
    s = await makeSession(['coordinator', AGENT]);
    const { id, name } = await crashMidHandler();
    fs.copyFileSync(path.join(box(), 'new', name), path.join(box(), 'cur', name));

    const handled: Envelope[] = [];
    const r = reader(handled, { takeOverLock: true });
    await r.start();
    expect(r.handledIds.has(id)).toBe(true);
    await waitFor(() => lsSync(path.join(box(), 'new')).length === 0, 'the duplicate to be acked');
    expect(handled).toEqual([]);
    expect(r.stats.deduped).toBe(1);
    expect(lsSync(path.join(box(), 'cur'))).toEqual([name]);
    expect(lsSync(path.join(box(), 'dead'))).toEqual([]);
  });

  it('does not handle a resend with an already-acked id twice, across reader restarts', async () => {
    s = await makeSession(['coordinator', AGENT]);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'coordinator' });
    const first: Envelope[] = [];
    const a = reader(first);
    await a.start();
    const sent = await sender.send(AGENT, 'message', { text: 'once' });
    await waitFor(() => lsSync(path.join(box(), 'cur')).length === 1, 'the first ack');
    await a.stop();
    expect(first.map((e) => e.id)).toEqual([sent.id]);

    // A sender retrying after its own crash resends with the same id (and a new name).
    await sender.send(AGENT, 'message', { text: 'once' }, { id: sent.id });
    const other = await sender.send(AGENT, 'message', { text: 'something new' });
    const second: Envelope[] = [];
    const b = reader(second);
    await b.start();
    await waitFor(() => second.length === 1 && lsSync(path.join(box(), 'new')).length === 0, 'the second reader to drain');
    expect(second.map((e) => e.id)).toEqual([other.id]);
    expect(b.stats).toMatchObject({ handled: 1, deduped: 1 });
    expect(lsSync(path.join(box(), 'cur'))).toHaveLength(3);
  });

  it('refuses a reader while another process holds the mailbox', async () => {
    s = await makeSession(['coordinator', AGENT]);
    const ready = path.join(s.dir, 'reader-ready');
    const child = children.spawnTs(READER_SCRIPT, [
      '--session-dir', s.dir, '--session-id', s.id, '--agent', AGENT, '--record', path.join(s.dir, 'rec'), '--ready', ready,
    ]);
    await waitFor(() => fs.existsSync(ready), 'the reader child to start');
    const err = await reader([]).start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailboxLockedError);
    // A clean stop of the owner releases the lock for the next reader.
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    const next = reader([]);
    await next.start();
  });
});
