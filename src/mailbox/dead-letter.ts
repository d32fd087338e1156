/**
 * dead/: where the reader puts every file it cannot trust or handle, each with a one-line,
 * bounded, printable reason next to it.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { recreateFolder } from './folders.js';
import { deadReasonName } from './maildir.js';

/** Largest reason file (bytes, UTF-8); a longer reason is cut and says so. */
export const MAX_REASON_BYTES = 8 * 1024;

/**
 * Control characters (C0, DEL, C1) and the Unicode bidi and zero-width controls: a reason
 * is read with `cat` in a terminal, so none of them may reach it from a hostile file.
 */
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+/g;

/** One printable line of at most MAX_REASON_BYTES bytes. */
export function sanitizeReason(reason: string, maxBytes = MAX_REASON_BYTES): string {
  const line = reason.replace(CONTROL_RE, ' ').replace(/\s+/g, ' ').trim();
  const size = Buffer.byteLength(line);
  if (size <= maxBytes) return line;
  const note = ` … (cut, ${size} bytes in all)`;
  const room = maxBytes - Buffer.byteLength(note);
  // Cut on a character boundary: decode what fits and drop a torn last character.
  let head = Buffer.from(line).subarray(0, room).toString('utf8');
  if (head.endsWith('\ufffd')) head = head.slice(0, -1);
  while (Buffer.byteLength(head) > room) head = head.slice(0, -1);
  return head + note;
}

/**
 * Moves `new/<name>` to `dead/<name>`, with the reason written first so every dead file has
 * one. Returns false when the file was already gone (its reason file is removed again).
 */
export async function moveToDead(newDir: string, deadDir: string, name: string, line: string): Promise<boolean> {
  const reasonFile = path.join(deadDir, deadReasonName(name));
  try {
    await fsp.writeFile(reasonFile, line + '\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !(await recreateFolder(deadDir))) throw err;
    await fsp.writeFile(reasonFile, line + '\n');
  }
  try {
    await fsp.rename(path.join(newDir, name), path.join(deadDir, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      await fsp.rm(reasonFile, { force: true });
      return false;
    }
    throw err;
  }
  return true;
}
