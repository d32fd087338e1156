/** The pure parts: requests and replies in the fold, the supervisor with a waiting worker, the approval rules. */
import { describe, expect, it } from 'vitest';
import type { JournalEntry, JournalEvent } from '../../src/contracts/journal.js';
import { fold, liveRequests, openRequests, waitingOn } from '../../src/engine/subtasks.js';
import { superviseWorker } from '../../src/engine/supervisor.js';
import { approvalPatterns, coversTool, needsApproval, summarizeCall } from '../../src/people/rules.js';

let t = 1_000;
const at = (e: JournalEvent, time?: number): JournalEntry => ({ ...e, t: time ?? (t += 100), epoch: 1 }) as JournalEntry;

const base = (): JournalEntry[] => [
  at({ type: 'plan', plan: { subtasks: [{ id: 'w', role: 'writing', description: 'write', dependsOn: [], required: false }], failurePolicy: 'all' } as never }, 1_000),
  at({ type: 'spawn', subtask: 'w', agent: 'w01-writing', attempt: 1, pid: 10 }, 1_100),
  at({ type: 'started', subtask: 'w', agent: 'w01-writing', attempt: 1, pid: 10 }, 1_200),
];

describe('requests and replies in the fold', () => {
  it('opens a request, closes it with the reply, and takes the wait off the attempt', () => {
    const request = at({ type: 'request', id: 'a1b2c3', kind: 'approval', agent: 'w01-writing', subtask: 'w', tool: 'write_file', summary: 'write_file()', sentAt: 2_000 }, 2_050);
    const open = fold([...base(), request]);
    expect(openRequests(open).map((r) => r.id)).toEqual(['a1b2c3']);
    expect(liveRequests(open).map((r) => r.id)).toEqual(['a1b2c3']);
    expect(waitingOn(open, 'w01-writing')?.tool).toBe('write_file');
    const closed = fold([...base(), request, at({ type: 'reply', id: 'a1b2c3', kind: 'denial', text: 'no', at: 9_000 }, 9_010)]);
    expect(openRequests(closed)).toEqual([]);
    expect(closed.requests['a1b2c3']!.reply).toEqual({ kind: 'denial', text: 'no', at: 9_000 });
    expect(closed.subtasks['w']!.waitedMs).toBe(7_000);
    // A repeated request or reply (a re-scan after a crash) changes nothing.
    const again = fold([...base(), request, request, at({ type: 'reply', id: 'a1b2c3', kind: 'denial', text: 'no', at: 9_000 }), at({ type: 'reply', id: 'a1b2c3', kind: 'approval', at: 9_500 })]);
    expect(again.requests).toEqual(closed.requests);
    expect(again.subtasks['w']!.waitedMs).toBe(7_000);
  });

  it('a request of an attempt that was replaced waits for nobody', () => {
    const s = fold([
      ...base(),
      at({ type: 'request', id: 'old', kind: 'approval', agent: 'w01-writing', subtask: 'w', summary: 'x', sentAt: 2_000 }),
      at({ type: 'failure', subtask: 'w', agent: 'w01-writing', attempt: 1, error: 'boom', code: 'E_MODEL', final: true, next: 'final' }),
    ]);
    expect(openRequests(s).map((r) => r.id)).toEqual(['old']);
    expect(liveRequests(s)).toEqual([]);
  });
});

describe('the supervisor and a waiting worker', () => {
  const rules = { heartbeatIntervalMs: 100, heartbeatMisses: 3, wallClockMs: 1_000, shutdownGraceMs: 100 };
  const s = fold(base()).subtasks['w']!;
  it('does not stop a waiting worker for its wall clock, and takes the wait off after', () => {
    expect(superviseWorker(s, { now: 10_000, alive: true, heartbeatAgeMs: 10 }, rules)).toMatchObject({ code: 'E_LIMIT' });
    expect(superviseWorker(s, { now: 10_000, alive: true, heartbeatAgeMs: 10, waiting: true }, rules)).toBeUndefined();
    expect(superviseWorker({ ...s, waitedMs: 8_500 }, { now: 10_000, alive: true, heartbeatAgeMs: 10 }, rules)).toBeUndefined();
    // Its heartbeat is still watched: a waiting worker that stopped beating is hung.
    expect(superviseWorker(s, { now: 10_000, alive: true, heartbeatAgeMs: 5_000, waiting: true }, rules)).toMatchObject({ code: 'E_NO_HEARTBEAT' });
  });
});

describe('a heartbeat written before the spawn was journaled', () => {
  it('counts once the launch began, so a worker frozen in its first beat interval is still stopped', () => {
    // A warm spare takes the agent's heartbeat over within milliseconds of the hand-over,
    // before the coordinator journals the spawn; it was then frozen (SIGSTOP) and never beat again.
    const rules = { heartbeatIntervalMs: 300, heartbeatMisses: 10, wallClockMs: 600_000, shutdownGraceMs: 100 };
    const events = [
      at({ type: 'plan', plan: { subtasks: [{ id: 'w', role: 'writing', description: 'write', dependsOn: [], required: false }], failurePolicy: 'all' } as never }, 1_000),
      at({ type: 'spawn', subtask: 'w', agent: 'w01-writing', attempt: 1, pid: 10, spare: 'spare-01', at: 1_090 }, 1_112),
      at({ type: 'started', subtask: 'w', agent: 'w01-writing', attempt: 1, pid: 10 }, 1_125),
    ];
    const s = fold(events).subtasks['w']!;
    // Heartbeat written at 1_100: 12 ms before the spawn line, after the launch began.
    const now = 20_000;
    expect(superviseWorker(s, { now, alive: true, heartbeatAgeMs: now - 1_100 }, rules)).toMatchObject({ code: 'E_NO_HEARTBEAT' });
    // A heartbeat from before the launch is the previous attempt's, as before.
    expect(superviseWorker(s, { now, alive: true, heartbeatAgeMs: now - 1_000 }, rules)).toBeUndefined();
  });
});

describe('approval rules', () => {
  it('reads the definition field and the session option, with globs and all', () => {
    expect(approvalPatterns(true)).toEqual(['all']);
    expect(approvalPatterns('write_file, edit_file')).toEqual(['write_file', 'edit_file']);
    expect(approvalPatterns({ write_file: true, list_files: false })).toEqual(['write_file']);
    expect(coversTool('mcp__*', 'mcp__jira__create')).toBe(true);
    expect(coversTool('mcp__*', 'write_file')).toBe(false);
    const settings = { requireApproval: ['mcp__*'], approveAll: false };
    expect(needsApproval('write_file', ['write_file'], settings)).toBe(true);
    expect(needsApproval('mcp__jira__create', undefined, settings)).toBe(true);
    expect(needsApproval('read_file', undefined, settings)).toBe(false);
    // Asking people, and the structured answer, never wait; --approve-all turns it all off.
    expect(needsApproval('ask_human', true, settings)).toBe(false);
    expect(needsApproval('submit_review', true, settings, 'submit_review')).toBe(false);
    expect(needsApproval('write_file', true, { requireApproval: ['all'], approveAll: true })).toBe(false);
  });

  it('summarizes a call on one line without its long text', () => {
    expect(summarizeCall('write_file', { path: 'CHANGELOG.md', content: 'x'.repeat(1200) })).toBe('write_file(path="CHANGELOG.md", 1.2 kB)');
    expect(summarizeCall('run', { cmd: 'a\u001b[31mb' })).toBe('run(cmd="a\\u001b[31mb")');
  });
});
