import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidEnvelopeError, UnknownRecipientError } from '../../src/errors.js';
import { EnvelopeSchema, MailboxSender, mailboxDir, parseMessageFileName } from '../../src/mailbox/index.js';
import { lsSync, makeSession, removeSession, type TestSession } from './helpers.js';

describe('MailboxSender', () => {
  let s: TestSession | undefined;
  afterEach(async () => {
    await removeSession(s);
    s = undefined;
  });

  it('writes a valid envelope into new/ through tmp/, named by sentAt, seq and id', async () => {
    s = await makeSession(['coordinator', 'w01-research']);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'coordinator', epoch: () => 3 });
    const a = await sender.send('w01-research', 'message', { text: 'one' });
    const b = await sender.send('w01-research', 'shutdown', { reason: 'done' }, { replyTo: a.id });
    const box = mailboxDir(s.dir, 'w01-research');
    const names = lsSync(path.join(box, 'new'));
    expect(names).toHaveLength(2);
    expect(lsSync(path.join(box, 'tmp'))).toEqual([]);
    expect(names.map((n) => parseMessageFileName(n)?.id)).toEqual([a.id, b.id]);
    expect([a.seq, b.seq]).toEqual([0, 1]);
    expect(b.sentAt).toBeGreaterThanOrEqual(a.sentAt);
    const onDisk = EnvelopeSchema.parse(JSON.parse(fs.readFileSync(path.join(box, 'new', names[1]!), 'utf8')));
    expect(onDisk).toEqual(b);
    expect(onDisk).toMatchObject({ v: 1, session: s.id, from: 'coordinator', to: 'w01-research', epoch: 3, replyTo: a.id });
  });

  it('resends with a given id', async () => {
    s = await makeSession(['coordinator']);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const usage = { input_tokens: 1, output_tokens: 2 };
    const body = { subtask: 't1', attempt: 1, output: 'x', turns: 1, usage };
    const first = await sender.send('coordinator', 'result', body, { id: 'fixed-id' });
    const again = await sender.send('coordinator', 'result', body, { id: 'fixed-id' });
    expect(first.id).toBe('fixed-id');
    expect(again.id).toBe('fixed-id');
    expect(lsSync(path.join(mailboxDir(s.dir, 'coordinator'), 'new'))).toHaveLength(2);
  });

  it('refuses an unknown recipient and creates nothing', async () => {
    s = await makeSession(['coordinator']);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'coordinator' });
    await expect(sender.send('w09-review', 'message', { text: 'hi' })).rejects.toBeInstanceOf(UnknownRecipientError);
    expect(fs.existsSync(path.join(s.dir, 'agents', 'w09-review'))).toBe(false);

    // An agent folder without a mailbox is still unknown, and still gets no mailbox.
    fs.mkdirSync(path.join(s.dir, 'agents', 'w08-review'));
    const err = await sender.send('w08-review', 'message', { text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownRecipientError);
    expect((err as UnknownRecipientError).code).toBe('E_UNKNOWN_RECIPIENT');
    expect(fs.readdirSync(path.join(s.dir, 'agents', 'w08-review'))).toEqual([]);
  });

  it('validates the envelope before touching the disk', async () => {
    s = await makeSession(['coordinator']);
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    // @ts-expect-error a body of the wrong shape, as untyped callers could send
    await expect(sender.send('coordinator', 'message', { text: 5 })).rejects.toThrow(/body\.text/);
    await expect(sender.send('../escape', 'message', { text: 'x' })).rejects.toBeInstanceOf(InvalidEnvelopeError);
    await expect(sender.send('coordinator', 'message', { text: 'x' }, { id: 'bad id' })).rejects.toBeInstanceOf(InvalidEnvelopeError);
    const big = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research', maxMessageBytes: 1000 });
    await expect(big.send('coordinator', 'message', { text: 'y'.repeat(2000) })).rejects.toThrow(/over the 1000-byte/);
    const box = mailboxDir(s.dir, 'coordinator');
    expect(lsSync(path.join(box, 'new'))).toEqual([]);
    expect(lsSync(path.join(box, 'tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(s.dir, 'escape'))).toBe(false);
  });

  it('fsyncs by policy without changing what is written', async () => {
    s = await makeSession(['coordinator']);
    const seen: string[] = [];
    const sender = new MailboxSender({
      sessionDir: s.dir,
      sessionId: s.id,
      from: 'w01-research',
      fsync: (type) => {
        seen.push(type);
        return true;
      },
    });
    await sender.send('coordinator', 'progress', { subtask: 't', turn: 1, usage: { input_tokens: 0, output_tokens: 0 } });
    await sender.send('coordinator', 'message', { text: 'no policy call' }, { fsync: false });
    expect(seen).toEqual(['progress']);
    expect(lsSync(path.join(mailboxDir(s.dir, 'coordinator'), 'new'))).toHaveLength(2);
  });

  it('makes a file visible in new/ only once it is whole', async () => {
    s = await makeSession(['coordinator']);
    const newDir = path.join(mailboxDir(s.dir, 'coordinator'), 'new');
    const torn: string[] = [];
    let seen = 0;
    // fs.watch reports the file the moment it appears; read it right then, synchronously.
    const watcher = fs.watch(newDir, (_event, name) => {
      if (!name) return;
      let text: string;
      try {
        text = fs.readFileSync(path.join(newDir, name), 'utf8');
      } catch {
        return;
      }
      seen++;
      try {
        JSON.parse(text);
      } catch {
        torn.push(`${name} (${text.length} bytes)`);
      }
    });
    try {
      const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
      for (let i = 0; i < 20; i++) {
        await sender.send('coordinator', 'message', { text: 'z'.repeat(100_000 + i) });
        await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      watcher.close();
    }
    expect(torn).toEqual([]);
    expect(seen).toBeGreaterThan(0);
  });
});
