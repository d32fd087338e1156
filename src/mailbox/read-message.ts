/**
 * Reading one file from new/ without trusting it: no symlinks followed, no FIFO blocking,
 * size bounded, then the shared envelope checks (envelope-check.ts) and the file name.
 * Anything that fails is a reason for dead/.
 *
 * The calls are synchronous: a message file is small (at most maxBytes, 1 MiB by default)
 * and local, and opening with O_NONBLOCK means none of them can wait on a FIFO or a
 * device. Each awaited call through libuv's thread pool cost far more than the call itself
 * (the backlog bench's "async call sequence" row); a pass yields to the event loop between
 * files instead (see reader.ts).
 */
import fs, { constants as fsConstants, type Stats } from 'node:fs';
import { describeError } from '../errors.js';
import type { Envelope } from '../contracts/envelope.js';
import { checkEnvelopeText, type CheckContext, type CheckResult } from './envelope-check.js';
import { parseMessageFileName } from './maildir.js';

/** Errors that say nothing about the file itself: leave it in new/ and retry on a later pass. */
export const TRANSIENT_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM', 'EIO', 'EBUSY']);

/** What reading one file from new/ gave. */
export type ReadOutcome =
  | { kind: 'gone' }
  | { kind: 'bad'; reason: string }
  /** `later`: the file may have arrived during the listing (see MailboxReader's pass), so it waits. */
  | { kind: 'later' }
  | { kind: 'ok'; text: string };

const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/**
 * Reads a file from new/. `isSettled(st)` is asked after the lstat (the stat the read needs
 * anyway, so ordering costs no extra call); false gives `later` before anything is read.
 */
export function readMessageFile(file: string, maxBytes: number, isSettled: (st: Stats) => boolean): ReadOutcome {
  let st: Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw err;
  }
  if (!isSettled(st)) return { kind: 'later' };
  if (st.isSymbolicLink()) {
    let target = '?';
    try {
      target = fs.readlinkSync(file);
    } catch {
      // gone meanwhile: the reason still says what it was
    }
    return { kind: 'bad', reason: `is a symlink (to ${target}); symlinks are never followed` };
  }
  if (!st.isFile()) return { kind: 'bad', reason: 'not a regular file' };
  if (st.size > maxBytes) return { kind: 'bad', reason: `too large: ${st.size} bytes > limit ${maxBytes}` };

  let fd: number;
  try {
    // O_NOFOLLOW closes the lstat→open race; O_NONBLOCK keeps a swapped-in FIFO from hanging us.
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    if (code === 'ELOOP') return { kind: 'bad', reason: 'is a symlink; symlinks are never followed' };
    if (code && TRANSIENT_CODES.has(code)) throw err;
    return { kind: 'bad', reason: `cannot open: ${describeError(err)}` };
  }
  try {
    const st2 = fs.fstatSync(fd);
    if (!st2.isFile()) return { kind: 'bad', reason: 'not a regular file' };
    if (st2.size > maxBytes) return { kind: 'bad', reason: `too large: ${st2.size} bytes > limit ${maxBytes}` };
    // Reads to EOF: usually one read of the size fstat gave (plus a byte, to see EOF); a
    // file that grew since is read on, up to the limit.
    let buf = Buffer.allocUnsafe(Math.min(st2.size, maxBytes) + 1);
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (got > maxBytes) return { kind: 'bad', reason: `too large: more than ${maxBytes} bytes (it grew while being read)` };
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const n = fs.readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return { kind: 'ok', text: buf.toString('utf8', 0, got) };
  } finally {
    fs.closeSync(fd);
  }
}

/** The shared checks (envelope-check.ts), then the Maildir's own: the file name and its id. */
export function checkMessageFile(text: string, name: string, ctx: CheckContext): CheckResult {
  const checked = checkEnvelopeText(text, ctx);
  if (!checked.ok) return checked;
  const env: Envelope = checked.env;
  const named = parseMessageFileName(name);
  if (!named) return { ok: false, reason: 'file name does not match <13-digit sentAt>-<8-digit seq>-<id>.json' };
  // cur/ names are where handled ids are rebuilt from, so they must agree.
  if (named.id !== env.id) return { ok: false, reason: `file name id ${named.id} does not match envelope id ${env.id}` };
  return checked;
}
