/**
 * Read-only views of a mailbox, for resume and for the CLI's inspection commands. No
 * lock is taken and no file is moved, so it is safe next to a live reader; a file the
 * reader moves during the listing may be missed (the view is a snapshot).
 */
import { constants as fsConstants } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { UnknownRecipientError, describeError } from '../errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, MAILDIR_FOLDERS, deadReasonName, mailboxDir, type MaildirFolder } from './maildir.js';
import { EnvelopeSchema, type Envelope } from '../contracts/envelope.js';

export interface StoredMessage {
  folder: MaildirFolder;
  name: string;
  /** The validated envelope, when the file is one. */
  envelope?: Envelope;
  /** The file's text, present only when it is not a valid envelope (for display). */
  raw?: string;
  /** The one-line reason from `<name>.reason.txt` (dead/ only). */
  reason?: string;
  /** Why the file is not a valid envelope (unreadable, not JSON, fails its schema). */
  error?: string;
}

const DEFAULT_FOLDERS: MaildirFolder[] = ['new', 'cur', 'dead'];

async function assertMailbox(sessionDir: string, agentId: string): Promise<string> {
  const box = mailboxDir(sessionDir, agentId);
  const st = await fsp.stat(box).catch(() => undefined);
  if (!st?.isDirectory()) throw new UnknownRecipientError(agentId, box);
  return box;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Splits dead/ names into message files and their reason files. */
function splitDead(names: string[]): { messages: string[]; reasons: Set<string> } {
  const all = new Set(names);
  const reasons = new Set<string>();
  for (const n of names) {
    // A reason file is deadReasonName(<name>) next to `<name>`; anything else is a message,
    // even one whose own name happens to end in the suffix.
    const reason = deadReasonName(n);
    if (all.has(reason)) reasons.add(reason);
  }
  return { messages: names.filter((n) => !reasons.has(n)), reasons };
}

/**
 * Every message in the given folders (default new, cur, dead), folder by folder in the
 * order given, sorted by name within a folder. Throws UnknownRecipientError when the
 * agent has no mailbox.
 */
export async function listMailbox(sessionDir: string, agentId: string, folders: MaildirFolder[] = DEFAULT_FOLDERS): Promise<StoredMessage[]> {
  const box = await assertMailbox(sessionDir, agentId);
  const out: StoredMessage[] = [];
  for (const folder of [...new Set(folders)]) {
    const dir = path.join(box, folder);
    let names = await readdirOrEmpty(dir);
    let reasons = new Set<string>();
    if (folder === 'dead') ({ messages: names, reasons } = splitDead(names));
    names.sort();
    for (const name of names) {
      const file = path.join(dir, name);
      const msg = await readStored(folder, name, file);
      if (!msg) continue;
      if (reasons.has(deadReasonName(name))) {
        msg.reason = (await fsp.readFile(path.join(dir, deadReasonName(name)), 'utf8').catch(() => '')).trim();
      }
      out.push(msg);
    }
  }
  return out;
}

/** One stored file, or undefined if it vanished meanwhile. Never follows symlinks. */
async function readStored(folder: MaildirFolder, name: string, file: string): Promise<StoredMessage | undefined> {
  const msg: StoredMessage = { folder, name };
  let st;
  try {
    st = await fsp.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    msg.error = `cannot stat: ${describeError(err)}`;
    return msg;
  }
  if (st.isSymbolicLink()) {
    msg.error = `symlink to ${await fsp.readlink(file).catch(() => '?')} (not followed)`;
    return msg;
  }
  if (!st.isFile()) {
    msg.error = 'not a regular file';
    return msg;
  }
  if (st.size > DEFAULT_MAX_MESSAGE_BYTES) {
    msg.error = `too large to show: ${st.size} bytes`;
    return msg;
  }
  let text: string;
  try {
    const fh = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    try {
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    msg.error = `cannot read: ${describeError(err)}`;
    return msg;
  }
  return withEnvelope(msg, text);
}

/**
 * Fills in a stored message from its text: the envelope when it parses and passes its
 * schema, else the raw text and what is wrong with it. Shared by every transport's view.
 */
export function withEnvelope(msg: StoredMessage, text: string): StoredMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    msg.raw = text;
    msg.error = `not valid JSON: ${describeError(err)}`;
    return msg;
  }
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    msg.raw = text;
    msg.error = `envelope fails its schema at ${issue && issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue?.message ?? 'invalid'}`;
    return msg;
  }
  msg.envelope = parsed.data;
  return msg;
}

/** Number of files per folder (dead/ reason files not counted). Throws UnknownRecipientError without a mailbox. */
export async function countMailbox(sessionDir: string, agentId: string): Promise<Record<MaildirFolder, number>> {
  const box = await assertMailbox(sessionDir, agentId);
  const counts = { tmp: 0, new: 0, cur: 0, dead: 0 } satisfies Record<MaildirFolder, number>;
  for (const folder of MAILDIR_FOLDERS) {
    const names = await readdirOrEmpty(path.join(box, folder));
    counts[folder] = folder === 'dead' ? splitDead(names).messages.length : names.length;
  }
  return counts;
}
