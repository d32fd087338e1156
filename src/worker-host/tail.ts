/**
 * Copies the lines appended to a local file into a Redis stream (field `line`), and back:
 * how a worker's transcript and log stay readable from the coordinator's machine. A torn
 * last line waits for its newline.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Redis } from 'ioredis';

/** Follows `file` from byte `from`; each poll XADDs the complete new lines to `stream`. */
export class FileToStream {
  private offset: number;
  private busy = false;

  constructor(
    private readonly client: Redis,
    private readonly file: string,
    private readonly stream: string,
    from = 0,
  ) {
    this.offset = from;
  }

  /** Sends what was appended since the last poll. */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const st = await fsp.stat(this.file).catch(() => undefined);
      if (!st || st.size <= this.offset) return;
      const fh = await fsp.open(this.file, 'r');
      try {
        const buf = Buffer.alloc(st.size - this.offset);
        await fh.read(buf, 0, buf.length, this.offset);
        const text = buf.toString('utf8');
        const end = text.lastIndexOf('\n');
        if (end < 0) return;
        const lines = text.slice(0, end).split('\n').filter(Boolean);
        const pipe = this.client.pipeline();
        for (const line of lines) pipe.xadd(this.stream, '*', 'line', line);
        await pipe.exec();
        this.offset += Buffer.byteLength(text.slice(0, end + 1));
      } finally {
        await fh.close();
      }
    } finally {
      this.busy = false;
    }
  }
}

/**
 * Appends the lines of `stream` after the last id seen to `file`. The last id is kept beside
 * the file (`<file>.mirror`, as `<id> <bytes>`: the file's length once that id's line was
 * appended), so a resumed coordinator's mirror carries on where its predecessor stopped
 * instead of appending the whole stream again. A predecessor killed between its append and
 * its cursor left lines the cursor does not cover: they are cut off and copied again, so
 * each line is in the file once.
 */
export class StreamToFile {
  private last: string;
  private size: number;
  private busy = false;
  private readonly cursorFile: string;

  constructor(
    private readonly client: Redis,
    private readonly stream: string,
    private readonly file: string,
  ) {
    this.cursorFile = `${file}.mirror`;
    const cursor = readCursor(this.cursorFile);
    this.last = cursor.id;
    const length = fileLength(file);
    // No cursor at all: whatever is in the file came from a mirror that died before its first one.
    const covered = cursor.bytes ?? (cursor.found ? length : 0);
    if (length > covered) fs.truncateSync(file, covered);
    this.size = Math.min(length, covered);
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const rows = (await this.client.xrange(this.stream, `(${this.last}`, '+', 'COUNT', 1000)) as [string, string[]][];
      if (rows.length === 0) return;
      const text = rows.map(([, f]) => (f[1] ?? '') + '\n').join('');
      fs.appendFileSync(this.file, text);
      this.size += Buffer.byteLength(text);
      this.last = rows[rows.length - 1]![0];
      // Renamed into place: a torn cursor would copy everything again.
      fs.writeFileSync(`${this.cursorFile}.tmp`, `${this.last} ${this.size}`);
      fs.renameSync(`${this.cursorFile}.tmp`, this.cursorFile);
    } finally {
      this.busy = false;
    }
  }
}

/** The cursor: the last id copied, and the file's length then (absent in cursors of older versions). */
function readCursor(file: string): { id: string; bytes?: number; found: boolean } {
  try {
    const m = /^(\d+-\d+)(?: (\d+))?$/.exec(fs.readFileSync(file, 'utf8').trim());
    if (!m) return { id: '0-0', found: false };
    return { id: m[1]!, ...(m[2] !== undefined ? { bytes: Number(m[2]) } : {}), found: true };
  } catch {
    return { id: '0-0', found: false };
  }
}

function fileLength(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
