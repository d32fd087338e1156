/**
 * Reading one file from new/ without trusting it: no symlinks followed, no FIFO blocking,
 * only regular files, size bounded, then the shared envelope checks (envelope-check.ts) and the file name.
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

/** What a symlink in new/ pointed at, for its dead/ reason (it is never followed). */
function linkTarget(file: string): string {
  try {
    return fs.readlinkSync(file);
  } catch {
    return '?';
  }
}

/**
 * Reads a file from new/: open (O_NOFOLLOW: a symlink fails with ELOOP; O_NONBLOCK: a FIFO
 * or device cannot hang the open or the read), fstat the descriptor, read, close. The
 * fstat is of what was opened, so nothing can be swapped in between a check and the read.
 * `isSettled(st)` is asked after the fstat (the stat the read needs anyway, so ordering
 * costs no extra call); false gives `later` before anything is read.
 */
export function readMessageFile(file: string, maxBytes: number, isSettled: (st: Stats) => boolean): ReadOutcome {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    if (code === 'ELOOP') return { kind: 'bad', reason: `is a symlink (to ${linkTarget(file)}); symlinks are never followed` };
    if (code && TRANSIENT_CODES.has(code)) throw err;
    return { kind: 'bad', reason: `cannot open: ${describeError(err)}` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!isSettled(st)) return { kind: 'later' };
    if (!st.isFile()) return { kind: 'bad', reason: 'not a regular file' };
    if (st.size > maxBytes) return { kind: 'bad', reason: `too large: ${st.size} bytes > limit ${maxBytes}` };
    // Reads to EOF: one read of the size fstat gave, plus a byte (a short read of a regular
    // file is EOF); a file that grew since is read on, up to the limit.
    let buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (got > maxBytes) return { kind: 'bad', reason: `too large: more than ${maxBytes} bytes (it grew while being read)` };
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const want = buf.length - got;
      const n = fs.readSync(fd, buf, got, want, null);
      got += n;
      if (n < want) break;
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
