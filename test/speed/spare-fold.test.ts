/**
 * The warm spares in the fold (no processes): `spare`, a `spawn` that names a spare, and
 * `spare_ended` give each spare one state, the subtask remembers the spare it ran on, and
 * folding any prefix then the rest equals folding the whole.
 */
import { describe, expect, it } from 'vitest';
import type { JournalEntry, JournalEvent } from '../../src/contracts/journal.js';
import { validatePlan } from '../../src/contracts/plan.js';
import { fold } from '../../src/engine/subtasks.js';

let clock = 1_000;
const at = (e: JournalEvent): JournalEntry => ({ ...e, t: (clock += 10), epoch: 0 }) as JournalEntry;

const PLAN = validatePlan({
  subtasks: [
    { id: 'a', role: 'research', description: 'A', dependsOn: [] },
    { id: 'b', role: 'research', description: 'B', dependsOn: [] },
  ],
  failurePolicy: 'all',
});

const JOURNAL: JournalEntry[] = [
  at({ type: 'session_started', task: 't', pid: 1 }),
  at({ type: 'spare', agent: 'spare-01', pid: 201 }),
  at({ type: 'spare', agent: 'spare-02', pid: 202 }),
  at({ type: 'plan', plan: PLAN }),
  at({ type: 'spawn', subtask: 'a', agent: 'w01-research', role: 'research', attempt: 1, pid: 201, spare: 'spare-01' }),
  at({ type: 'spawn', subtask: 'b', agent: 'w02-research', role: 'research', attempt: 1, pid: 300 }),
  at({ type: 'spare_ended', agent: 'spare-02', reason: 'no subtask left to start' }),
  // Ending an assigned spare, or one never journaled, changes nothing.
  at({ type: 'spare_ended', agent: 'spare-01', reason: 'late' }),
  at({ type: 'spare_ended', agent: 'spare-09', reason: 'unknown' }),
];

describe('warm spares in the fold', () => {
  it('tracks each spare and the subtask that ran on one', () => {
    const s = fold(JOURNAL);
    expect(s.spares).toEqual({
      'spare-01': { pid: 201, status: 'assigned', subtask: 'a', agent: 'w01-research' },
      'spare-02': { pid: 202, status: 'ended' },
    });
    // The subtask keeps its planned agent; the spare's process is its pid.
    expect(s.subtasks.a).toMatchObject({ agentId: 'w01-research', status: 'running', pid: 201, onSpare: 'spare-01' });
    expect(s.subtasks.b).toMatchObject({ agentId: 'w02-research', status: 'running', pid: 300 });
    expect(s.subtasks.b!.onSpare).toBeUndefined();
  });

  it('a retry in a fresh process is no longer on the spare', () => {
    const s = fold([
      ...JOURNAL,
      at({ type: 'failure', subtask: 'a', agent: 'w01-research', attempt: 1, error: 'crashed', code: 'E_CRASHED', final: false, next: 'continue' }),
      at({ type: 'spawn', subtask: 'a', agent: 'w01-research', role: 'research', attempt: 2, pid: 400 }),
    ]);
    expect(s.subtasks.a).toMatchObject({ attempt: 2, pid: 400 });
    expect(s.subtasks.a!.onSpare).toBeUndefined();
    expect(s.spares?.['spare-01']?.status).toBe('assigned');
  });

  it('a reattach naming a spare stands for a hand-over whose spawn line a crash cut off', () => {
    const s = fold([
      at({ type: 'spare', agent: 'spare-01', pid: 201 }),
      at({ type: 'plan', plan: PLAN }),
      at({ type: 'session_resumed', pid: 2 }),
      at({ type: 'reattach', subtask: 'a', agent: 'w01-research', attempt: 1, pid: 201, spare: 'spare-01' }),
      // A late spare_ended (say, from a stale view) cannot end a spare that runs a subtask.
      at({ type: 'spare_ended', agent: 'spare-01', reason: 'late' }),
    ]);
    expect(s.subtasks.a).toMatchObject({ status: 'running', attempt: 1, pid: 201, onSpare: 'spare-01' });
    expect(s.spares?.['spare-01']).toEqual({ pid: 201, status: 'assigned', subtask: 'a', agent: 'w01-research' });
  });

  it('fold(prefix) then fold(rest) equals fold(all) at every cut', () => {
    const all = fold(JOURNAL);
    for (let i = 0; i <= JOURNAL.length; i++) expect(fold(JOURNAL.slice(i), fold(JOURNAL.slice(0, i)))).toEqual(all);
  });
});
