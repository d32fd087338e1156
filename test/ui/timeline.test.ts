/** The timeline builder on journals with the rarer events: the termination ladder, a crash found on resume, reattach. */
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/session/journal.js';
import { buildTimeline } from '../../src/ui/timeline.js';

const usage = { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
const e = (t: number, ev: Record<string, unknown>) => ({ t, epoch: 1, ...ev }) as unknown as JournalEntry;

describe('buildTimeline', () => {
  it('one bar per attempt; the ladder, resume and reattach are marks on the right bars', () => {
    const journal = [
      e(0, { type: 'session_started', task: 'x', pid: 10 }),
      e(1, { type: 'spawn', subtask: 'a', agent: 'w01-research', attempt: 1, pid: 11 }),
      e(2, { type: 'started', subtask: 'a', agent: 'w01-research', attempt: 1, pid: 11 }),
      e(3, { type: 'spawn', subtask: 'b', agent: 'w02-research', attempt: 1, pid: 12 }),
      e(4, { type: 'terminate', agent: 'w02-research', reason: 'stuck', step: 'shutdown' }),
      e(5, { type: 'terminate', agent: 'w02-research', reason: 'stuck', step: 'SIGTERM' }),
      e(6, { type: 'terminate', agent: 'w02-research', reason: 'stuck', step: 'gone' }),
      // The coordinator crashed; a resume finds w01 alive (reattach) and respawns w02.
      e(10, { type: 'session_resumed', pid: 20, previousPid: 10 }),
      e(11, { type: 'reattach', subtask: 'a', agent: 'w01-research', attempt: 1, pid: 11 }),
      e(12, { type: 'spawn', subtask: 'b', agent: 'w02-research', attempt: 2, pid: 13 }),
      e(13, { type: 'result', subtask: 'a', agent: 'w01-research', attempt: 1, output: 'A', usage, turns: 2, messageId: 'm1' }),
      e(14, { type: 'failure', subtask: 'b', agent: 'w02-research', attempt: 2, error: 'boom', code: 'E_X', final: true }),
      e(15, { type: 'session_ended', status: 'failed', reason: 'policy' }),
    ];
    const mail = [{ folder: 'cur' as const, name: 'x', envelope: { type: 'progress', from: 'w01-research', sentAt: 2.5, body: { subtask: 'a', turn: 1, usage } } }];
    const tl = buildTimeline(journal, mail as never, { running: false });
    expect(tl.lanes.map((l) => l.agent)).toEqual(['coordinator', 'w01-research', 'w02-research']);
    const [coord, w1, w2] = tl.lanes;
    expect(coord!.bars.map((b) => [b.start, b.end])).toEqual([
      [0, 10],
      [10, 15],
    ]);
    expect(coord!.bars.map((b) => b.outcome)).toEqual(['unknown', 'failure']);
    expect(coord!.bars[1]!.marks.map((m) => m.kind)).toEqual(['resume', 'failure']);
    expect(w1!.bars).toHaveLength(1);
    expect(w1!.bars[0]!.marks.map((m) => m.kind)).toEqual(['spawn', 'started', 'progress', 'reattach', 'result']);
    expect(w1!.bars[0]).toMatchObject({ start: 1, end: 13, outcome: 'result' });
    expect(w2!.bars.map((b) => [b.attempt, b.outcome, b.end])).toEqual([
      [1, 'terminated', 6],
      [2, 'failure', 14],
    ]);
    expect(w2!.bars[0]!.marks.map((m) => m.kind)).toEqual(['spawn', 'shutdown', 'SIGTERM', 'gone']);
    expect(tl).toMatchObject({ start: 0, end: 15 });
  });

  it('a reattach whose spawn line a crash cut off (a hand-over to a warm spare) opens its attempt\'s bar', () => {
    const journal = [
      e(0, { type: 'session_started', task: 'x', pid: 10 }),
      e(1, { type: 'spare', agent: 'spare-01', pid: 11 }),
      e(5, { type: 'session_resumed', pid: 20, previousPid: 10 }),
      e(6, { type: 'reattach', subtask: 'a', agent: 'w01-research', attempt: 1, pid: 11, spare: 'spare-01' }),
      e(8, { type: 'result', subtask: 'a', agent: 'w01-research', attempt: 1, output: 'A', usage, turns: 1, messageId: 'm1' }),
    ];
    const w1 = buildTimeline(journal, [], { running: false }).lanes.find((l) => l.agent === 'w01-research')!;
    expect(w1.bars).toHaveLength(1);
    expect(w1.bars[0]).toMatchObject({ attempt: 1, start: 6, end: 8, outcome: 'result' });
    expect(w1.bars[0]!.marks[0]).toMatchObject({ kind: 'reattach', label: 'reattached to pid 11 (warm spare spare-01)' });
  });

  it('leaves the bar of a running attempt open while the session runs', () => {
    const journal = [e(0, { type: 'session_started', task: 'x', pid: 10 }), e(1, { type: 'spawn', subtask: 'a', agent: 'w01-research', attempt: 1, pid: 11 })];
    const tl = buildTimeline(journal, [], { running: true, now: 50 });
    expect(tl.lanes[1]!.bars[0]).toMatchObject({ outcome: 'running' });
    expect(tl.lanes[1]!.bars[0]!.end).toBeUndefined();
    expect(tl.end).toBe(50);
  });
});
