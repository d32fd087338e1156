/**
 * Bounded reading of one text file, shared by every `read_file` tool: a byte cap on what
 * is read from disk, a NUL-byte sniff for binaries, and line-based offset/limit paging.
 */
import { ToolError } from '../errors.js';
import { openForRead } from './open.js';
import type { JailedPath } from './paths.js';

/** At most this many bytes are read from disk for one call. */
export const MAX_READ_BYTES = 2 * 1024 * 1024;
/** Lines returned when the caller gives no limit. */
export const DEFAULT_READ_LINES = 500;
/** How much of a file's head is sniffed for NUL bytes. */
export const SNIFF_BYTES = 8000;

/** True when the buffer looks binary (it has a NUL byte in its head). */
export function looksBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, SNIFF_BYTES);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/**
 * Reads up to `maxBytes` from the start of a jailed regular file. Folders, symlinks,
 * FIFOs and devices are refused, and the open is checked against races (see open.ts).
 */
export async function readHead(
  jailed: JailedPath,
  display: string,
  maxBytes = MAX_READ_BYTES,
): Promise<{ buf: Buffer; size: number }> {
  const { handle, size } = await openForRead(jailed, display);
  try {
    const want = Math.min(size, maxBytes);
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await handle.read(buf, got, want - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { buf: buf.subarray(0, got), size };
  } finally {
    await handle.close();
  }
}

export interface ReadPage {
  /** 1-based first line to return. */
  offset?: number | undefined;
  /** Number of lines to return. */
  limit?: number | undefined;
}

/** Reads a text file and returns the requested lines, with a footer when the view is partial. */
export async function readTextPage(jailed: JailedPath, display: string, page: ReadPage = {}): Promise<string> {
  const { buf, size } = await readHead(jailed, display);
  if (looksBinary(buf)) throw new ToolError(`"${display}" looks like a binary file (it has NUL bytes); refused`);
  const cutByBytes = size > buf.length;
  let text = buf.toString('utf8');
  // A byte cap can split the last line (or a UTF-8 sequence): drop the partial line.
  if (cutByBytes) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '' && !cutByBytes) lines.pop();
  const total = lines.length;
  const offset = Math.max(1, page.offset ?? 1);
  const limit = Math.max(1, page.limit ?? DEFAULT_READ_LINES);
  if (total === 0) return `(${display} is empty)`;
  if (offset > total) {
    throw new ToolError(`offset ${offset} is past the end of "${display}" (${total}${cutByBytes ? '+' : ''} lines)`);
  }
  const end = Math.min(total, offset - 1 + limit);
  const body = lines.slice(offset - 1, end).join('\n');
  const partial = offset > 1 || end < total || cutByBytes;
  if (!partial) return body;
  const more = end < total ? `; use offset=${end + 1} to read on` : '';
  const ofTotal = cutByBytes ? `the first ${total} lines (the file has ${size} bytes, more than the ${MAX_READ_BYTES}-byte read cap)` : `${total}`;
  return `${body}\n[${display}: lines ${offset}-${end} of ${ofTotal}${more}]`;
}
