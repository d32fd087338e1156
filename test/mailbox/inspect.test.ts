import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UnknownRecipientError } from '../../src/errors.js';
import {
  MailboxReader,
  MailboxSender,
  countMailbox,
  listMailbox,
  mailboxDir,
  messageFileName,
} from '../../src/mailbox/index.js';
import { lsSync, makeSession, removeSession, waitFor, type TestSession } from './helpers.js';

describe('mailbox inspection', () => {
  let s: TestSession | undefined;
  let r: MailboxReader | undefined;
  afterEach(async () => {
    await r?.stop();
    r = undefined;
    await removeSession(s);
    s = undefined;
  });

  it('lists new, cur and dead with envelopes and reasons, without moving anything', async () => {
    s = await makeSession(['coordinator']);
    const box = mailboxDir(s.dir, 'coordinator');
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research' });
    const handledMsg = await sender.send('coordinator', 'message', { text: 'handled' });
    fs.writeFileSync(path.join(box, 'new', messageFileName(1, 0, 'junk')), 'not json');
    r = new MailboxReader({ sessionDir: s.dir, sessionId: s.id, agentId: 'coordinator', handler: async () => undefined });
    await r.start();
    await waitFor(() => lsSync(path.join(box, 'new')).length === 0, 'the reader to drain');
    await r.stop();
    const pending = await sender.send('coordinator', 'message', { text: 'pending' });
    fs.writeFileSync(path.join(box, 'tmp', 'half.json'), '{"v":');

    const before = lsSync(path.join(box, 'new'));
    const all = await listMailbox(s.dir, 'coordinator');
    expect(all.map((m) => [m.folder, m.envelope?.id ?? m.name])).toEqual([
      ['new', pending.id],
      ['cur', handledMsg.id],
      ['dead', messageFileName(1, 0, 'junk')],
    ]);
    expect(all[0]!.envelope).toEqual(pending);
    expect(all[2]).toMatchObject({ raw: 'not json', error: expect.stringMatching(/not valid JSON/), reason: expect.stringMatching(/not valid JSON/) });
    expect(lsSync(path.join(box, 'new'))).toEqual(before);

    const onlyNew = await listMailbox(s.dir, 'coordinator', ['new']);
    expect(onlyNew.map((m) => m.envelope?.body)).toEqual([{ text: 'pending' }]);
    const tmp = await listMailbox(s.dir, 'coordinator', ['tmp']);
    expect(tmp).toMatchObject([{ folder: 'tmp', name: 'half.json', error: expect.stringMatching(/JSON/) }]);

    expect(await countMailbox(s.dir, 'coordinator')).toEqual({ tmp: 1, new: 1, cur: 1, dead: 1 });
  });

  it('reports a symlink without following it, and refuses an unknown agent', async () => {
    s = await makeSession(['coordinator']);
    const box = mailboxDir(s.dir, 'coordinator');
    fs.writeFileSync(path.join(s.dir, 'secret'), 'secret');
    fs.symlinkSync(path.join(s.dir, 'secret'), path.join(box, 'new', messageFileName(1, 0, 'link')));
    const [m] = await listMailbox(s.dir, 'coordinator');
    expect(m).toMatchObject({ folder: 'new', error: expect.stringMatching(/symlink/) });
    expect(m!.raw).toBeUndefined();
    await expect(listMailbox(s.dir, 'w05-nobody')).rejects.toBeInstanceOf(UnknownRecipientError);
    await expect(countMailbox(s.dir, 'w05-nobody')).rejects.toBeInstanceOf(UnknownRecipientError);
    expect(fs.existsSync(path.join(s.dir, 'agents', 'w05-nobody'))).toBe(false);
  });
});
