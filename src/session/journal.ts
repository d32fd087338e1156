/**
 * The coordinator's append-only event log. Resume replays it, and people read it with
 * `jq`; each line is one event with a timestamp and the writer's epoch.
 */
import fs from 'node:fs';
import { journalLineWritten, journalWriteFault } from '../faults.js';
import { appendJsonl, readJsonl } from '../util/fs.js';
import type { JournalEntry, JournalEvent } from '../contracts/journal.js';

export type { JournalEntry, JournalEvent } from '../contracts/journal.js';

export class Journal {
  private lines: number | undefined;

  constructor(
    readonly file: string,
    private readonly epoch: () => number,
  ) {}

  /** Appends one event, stamped with the time and the current epoch. */
  async append(event: JournalEvent): Promise<JournalEntry> {
    const entry = { t: Date.now(), epoch: this.epoch(), ...event } as JournalEntry;
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

/** Lines already in the journal (the fault seams count from the start of the file). */
function countLines(file: string): number {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}
