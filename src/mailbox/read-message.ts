/**
 * Reading one file from new/ without trusting it: no symlinks followed, no FIFO blocking,
 * size bounded, then JSON, schema, session, recipient, epoch and name checks. Anything
 * that fails is a reason for dead/.
 */
import { constants as fsConstants, type Stats } from 'node:fs';
import fsp from 'node:fs/promises';
import { describeError } from '../errors.js';
import { parseMessageFileName } from './maildir.js';
import { EnvelopeSchema, type Envelope } from '../contracts/envelope.js';

/** Errors that say nothing about the file itself: leave it in new/ and retry on a later pass. */
export const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM', 'EIO', 'EBUSY']);

/** What reading one file from new/ gave. */
export type ReadOutcome =
  | { kind: 'gone' }
  | { kind: 'bad'; reason: string }
  /** `later`: the file may have arrived during the listing (see MailboxReader's pass), so it waits. */
  | { kind: 'later' }
  | { kind: 'ok'; text: string };

/**
 * Reads a file from new/. `isSettled(st)` is asked after the lstat (the stat the read needs
 * anyway, so ordering costs no extra call); false gives `later` before anything is read.
 */
export async function readMessageFile(file: string, maxBytes: number, isSettled: (st: Stats) => boolean): Promise<ReadOutcome> {
  let st: Stats;
  try {
    st = await fsp.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw err;
  }
  if (!isSettled(st)) return { kind: 'later' };
  if (st.isSymbolicLink()) {
    const target = await fsp.readlink(file).catch(() => '?');
    return { kind: 'bad', reason: `is a symlink (to ${target}); symlinks are never followed` };
  }
  if (!st.isFile()) return { kind: 'bad', reason: 'not a regular file' };
  if (st.size > maxBytes) return { kind: 'bad', reason: `too large: ${st.size} bytes > limit ${maxBytes}` };

  let fh: fsp.FileHandle;
  try {
    // O_NOFOLLOW closes the lstat→open race; O_NONBLOCK keeps a swapped-in FIFO from hanging us.
    fh = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    if (code === 'ELOOP') return { kind: 'bad', reason: 'is a symlink; symlinks are never followed' };
    if (code && TRANSIENT_CODES.has(code)) throw err;
    return { kind: 'bad', reason: `cannot open: ${describeError(err)}` };
  }
  try {
    const st2 = await fh.stat();
    if (!st2.isFile()) return { kind: 'bad', reason: 'not a regular file' };
    if (st2.size > maxBytes) return { kind: 'bad', reason: `too large: ${st2.size} bytes > limit ${maxBytes}` };
    const buf = await fh.readFile();
    if (buf.length > maxBytes) return { kind: 'bad', reason: `too large: ${buf.length} bytes > limit ${maxBytes}` };
    return { kind: 'ok', text: buf.toString('utf8') };
  } finally {
    await fh.close();
  }
}

export interface EnvelopeExpectations {
  sessionId: string;
  agentId: string;
  minEpoch?: number;
}

/** The envelope in `text` (from file `name`), or why it belongs in dead/. */
export function checkEnvelope(text: string, name: string, want: EnvelopeExpectations): { env: Envelope } | { bad: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { bad: `not valid JSON: ${describeError(err)}` };
  }
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return { bad: `envelope fails its schema at ${where}: ${issue?.message ?? 'invalid'}` };
  }
  const env = parsed.data;
  if (env.session !== want.sessionId) return { bad: `belongs to session ${env.session}, not ${want.sessionId}` };
  if (env.to !== want.agentId) return { bad: `addressed to ${env.to}, not ${want.agentId}` };
  if (want.minEpoch !== undefined && env.epoch !== undefined && env.epoch < want.minEpoch) {
    return { bad: `stale epoch ${env.epoch} < current epoch ${want.minEpoch} (sent by an older coordinator)` };
  }
  const named = parseMessageFileName(name);
  if (!named) return { bad: 'file name does not match <13-digit sentAt>-<8-digit seq>-<id>.json' };
  // cur/ names are where handled ids are rebuilt from, so they must agree.
  if (named.id !== env.id) return { bad: `file name id ${named.id} does not match envelope id ${env.id}` };
  return { env };
}
