/**
 * The coordinator's append-only event log. Resume replays it, and people read it with
 * `jq`; each line is one event with a timestamp and the writer's epoch.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { crashAt, journalLineWritten, journalWriteFault } from '../faults.js';
import { appendJsonl, readJsonl } from '../util/fs.js';
import type { JournalEntry, JournalEvent } from '../contracts/journal.js';

export type { JournalEntry, JournalEvent } from '../contracts/journal.js';

export class Journal {
  /** Whether the file's end was checked for a torn line (once per writer). */
  private tailChecked = false;
  private lines: number | undefined;

  constructor(
    readonly file: string,
    private readonly epoch: () => number,
  ) {}

  /** Appends one event, stamped with the time and the current epoch. */
  async append(event: JournalEvent): Promise<JournalEntry> {
    const entry = { t: Date.now(), epoch: this.epoch(), ...event } as JournalEntry;
    if (!this.tailChecked) {
      // A writer killed mid-append leaves a line without its newline; ours must not join it.
      if (await endsTorn(this.file)) await fsp.appendFile(this.file, '\n');
      this.tailChecked = true;
    }
    if (event.type === 'result' && crashAt('during-journal-append')) await tornAppendAndDie(this.file, entry);
    const lineNo = (this.lines ??= countLines(this.file)) + 1;
    const injected = journalWriteFault(lineNo, this.file);
    if (injected) throw injected;
    await appendJsonl(this.file, entry);
    this.lines = lineNo;
    journalLineWritten(lineNo);
    return entry;
  }

  /** Every event so far; a torn last line (a crash mid-append) is skipped. */
  static async read(file: string): Promise<JournalEntry[]> {
    return readJsonl<JournalEntry>(file);
  }
}

/** The `during-journal-append` crash point: half of the line reaches the file, then SIGKILL. */
async function tornAppendAndDie(file: string, entry: JournalEntry): Promise<never> {
  const line = JSON.stringify(entry);
  await fsp.appendFile(file, line.slice(0, Math.floor(line.length / 2)));
  process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => undefined);
}

/** True when the file is not empty and its last byte is not a newline. */
async function endsTorn(file: string): Promise<boolean> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(file, 'r');
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  } finally {
    await handle?.close();
  }
}

/** Lines already in the journal (the fault seams count from the start of the file). */
function countLines(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}
