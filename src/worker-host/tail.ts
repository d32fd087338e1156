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
 * the file (`<file>.mirror`), so a resumed coordinator's mirror carries on where its
 * predecessor stopped instead of appending the whole stream again.
 */
export class StreamToFile {
  private last: string;
  private busy = false;
  private readonly cursorFile: string;

  constructor(
    private readonly client: Redis,
    private readonly stream: string,
    private readonly file: string,
  ) {
    this.cursorFile = `${file}.mirror`;
    this.last = readCursor(this.cursorFile);
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const rows = (await this.client.xrange(this.stream, `(${this.last}`, '+', 'COUNT', 1000)) as [string, string[]][];
      if (rows.length === 0) return;
      const text = rows.map(([, f]) => (f[1] ?? '') + '\n').join('');
      fs.appendFileSync(this.file, text);
      this.last = rows[rows.length - 1]![0];
      // Renamed into place: a torn cursor would copy everything again.
      fs.writeFileSync(`${this.cursorFile}.tmp`, this.last);
      fs.renameSync(`${this.cursorFile}.tmp`, this.cursorFile);
    } finally {
      this.busy = false;
    }
  }
}

function readCursor(file: string): string {
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    return /^\d+-\d+$/.test(id) ? id : '0-0';
  } catch {
    return '0-0';
  }
}
