import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MailboxError } from '../../src/errors.js';
import {
  MAILDIR_FOLDERS,
  agentDir,
  createMailbox,
  mailboxDir,
  messageFileName,
  parseMessageFileName,
} from '../../src/mailbox/index.js';
import { makeSession, removeSession, type TestSession } from './helpers.js';

describe('maildir layout', () => {
  let s: TestSession | undefined;
  afterEach(async () => {
    await removeSession(s);
    s = undefined;
  });

  it('names files with fixed widths so text order is numeric order', () => {
    const name = messageFileName(1_700_000_000_123, 7, 'abc_DEF-1');
    expect(name).toBe('1700000000123-00000007-abc_DEF-1.json');
    expect(parseMessageFileName(name)).toEqual({ sentAt: 1_700_000_000_123, seq: 7, id: 'abc_DEF-1' });
    const names = [messageFileName(5, 10, 'a'), messageFileName(5, 9, 'b'), messageFileName(40, 0, 'c')];
    expect([...names].sort()).toEqual([names[1], names[0], names[2]]);
  });

  it('rejects names and values outside the pattern', () => {
    expect(parseMessageFileName('hello.json')).toBeUndefined();
    expect(parseMessageFileName('1700000000123-00000007-abc.json.reason.txt')).toBeUndefined();
    expect(parseMessageFileName('170000000012-00000007-abc.json')).toBeUndefined();
    expect(parseMessageFileName('1700000000123-00000007-a/b.json')).toBeUndefined();
    expect(() => messageFileName(1, 123_456_789, 'a')).toThrow(MailboxError);
    expect(() => messageFileName(1, 1, 'a b')).toThrow(MailboxError);
  });

  it('keeps agent ids inside agents/', () => {
    expect(agentDir('/s', 'w01-research')).toBe(path.join('/s', 'agents', 'w01-research'));
    expect(mailboxDir('/s', 'coordinator')).toBe(path.join('/s', 'agents', 'coordinator', 'mailbox'));
    expect(() => agentDir('/s', '../etc')).toThrow(MailboxError);
    expect(() => mailboxDir('/s', '')).toThrow(MailboxError);
  });

  it('createMailbox makes the four folders and is idempotent', async () => {
    s = await makeSession([]);
    const box = await createMailbox(s.dir, 'w02-writing');
    expect(box).toBe(mailboxDir(s.dir, 'w02-writing'));
    await createMailbox(s.dir, 'w02-writing');
    expect(fs.readdirSync(box).sort()).toEqual([...MAILDIR_FOLDERS].sort());
  });
});
