/**
 * The coordinator's append-only event log. Resume replays it, and people read it with
 * `jq`; each line is one event with a timestamp and the writer's epoch.
 */
import { appendJsonl, readJsonl } from '../util/fs.js';
import type { Plan } from '../coordinator/plan.js';
import type { Usage } from '../model/types.js';
import type { SubtaskExtras } from '../patterns/types.js';

export type JournalEvent =
  | { type: 'session_started'; task: string; pid: number }
  | { type: 'session_resumed'; pid: number; previousPid?: number }
  | { type: 'plan'; plan: Plan; extras?: Record<string, SubtaskExtras> }
  | { type: 'spawn'; subtask: string; agent: string; role?: string; attempt: number; pid: number; host?: string }
  | { type: 'started'; subtask: string; agent: string; attempt: number; pid: number }
  | { type: 'reattach'; subtask: string; agent: string; attempt: number; pid: number }
  | { type: 'result'; subtask: string; agent: string; attempt: number; round?: number; output: string; usage: Usage; turns: number; messageId: string }
  | { type: 'failure'; subtask: string; agent: string; attempt: number; error: string; code: string; final: boolean; messageId?: string }
  | { type: 'terminate'; agent: string; reason: string; step: 'shutdown' | 'SIGTERM' | 'SIGKILL' | 'gone' }
  | { type: 'synthesis_started' }
  | { type: 'synthesis'; text: string; usage: Usage; status?: string; reason?: string }
  | { type: 'decision'; what: string; why: string; [key: string]: unknown }
  | { type: 'session_ended'; status: string; reason?: string };

export type JournalEntry = JournalEvent & { t: number; epoch: number };

export class Journal {
  constructor(
    readonly file: string,
    private readonly epoch: () => number,
  ) {}

  /** Appends one event, stamped with the time and the current epoch. */
  async append(event: JournalEvent): Promise<JournalEntry> {
    const entry = { t: Date.now(), epoch: this.epoch(), ...event } as JournalEntry;
    await appendJsonl(this.file, entry);
    return entry;
  }

  /** Every event so far; a torn last line (a crash mid-append) is skipped. */
  static async read(file: string): Promise<JournalEntry[]> {
    return readJsonl<JournalEntry>(file);
  }
}
