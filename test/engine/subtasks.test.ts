/**
 * The subtask table without processes or files: every failure code's decision, each
 * failure policy, restart intensity, host-lost respawns, fallback, dependency release and
 * blocked subtasks, and fold(prefix) then fold(rest) = fold(all) on random journals.
 */
import { describe, expect, it } from 'vitest';
import type { JournalEntry, JournalEvent } from '../../src/contracts/journal.js';
import { validatePlan, type PlanInput } from '../../src/contracts/plan.js';
import { CONTINUE_CODES, RETRYABLE_CODES, agentStatusForFailure, isRetryable } from '../../src/engine/failures.js';
import { checkPolicy } from '../../src/engine/policy.js';
import { allSettled, blockedSubtasks, readyToStart, settledForPolicy } from '../../src/engine/scheduler.js';
import { EMPTY_STATE, applyEvent, decideFailure, fold, type EngineState, type RetryRules } from '../../src/engine/subtasks.js';
import { AllWorkersFailedError, PolicyFailedError, type ErrorCode } from '../../src/errors.js';

const RULES: RetryRules = { maxAttempts: 2, maxRestarts: 5, restartWindowMs: 60_000, maxHostRespawns: 3 };

let clock = 1_000;
const at = (e: JournalEvent): JournalEntry => ({ ...e, t: (clock += 10), epoch: 0 }) as JournalEntry;

const PLAN: PlanInput = {
  subtasks: [
    { id: 'a', role: 'research', description: 'A', dependsOn: [] },
    { id: 'b', role: 'research', description: 'B', dependsOn: [] },
    { id: 'c', role: 'writing', description: 'C', dependsOn: ['a', 'b'] },
  ],
  failurePolicy: 'all',
};

function planned(plan: PlanInput = PLAN): EngineState {
  return applyEvent(EMPTY_STATE, at({ type: 'plan', plan: validatePlan(plan) }));
}

function spawn(state: EngineState, id: string, pid = 100): EngineState {
  const s = state.subtasks[id]!;
  return applyEvent(state, at({ type: 'spawn', subtask: id, agent: s.agentId, role: s.role, attempt: s.attempt, pid }));
}

/** Decides a failure of the running attempt and applies it, as the coordinator does. */
function fail(state: EngineState, id: string, code: string, extra: { hostLost?: boolean; rules?: RetryRules; now?: number } = {}): EngineState {
  const s = state.subtasks[id]!;
  const d = decideFailure(state, id, { code, message: `${code} happened`, hostLost: extra.hostLost }, extra.rules ?? RULES, extra.now ?? clock);
  return applyEvent(
    state,
    at({ type: 'failure', subtask: id, agent: s.agentId, attempt: s.attempt, error: d.error, code, final: d.final, next: d.next, ...(d.fallback ? { fallback: d.fallback } : {}), ...(d.hostLost ? { hostLost: true } : {}) }),
  );
}

function result(state: EngineState, id: string, output = `${id}-out`): EngineState {
  const s = state.subtasks[id]!;
  return applyEvent(state, at({ type: 'result', subtask: id, agent: s.agentId, attempt: s.attempt, round: 1, output, usage: { input_tokens: 1, output_tokens: 1 }, turns: 1, messageId: `m-${id}-${s.attempt}` }));
}

describe('failure codes: retry and continue decisions', () => {
  const ALL: ErrorCode[] = [
    'E_CRASHED', 'E_NO_HEARTBEAT', 'E_LIMIT', 'E_SHUTDOWN', 'E_TERMINATED', 'E_DEPENDENCY', 'E_WORKER', 'E_TOOL', 'E_PLAN', 'E_CONFIG', 'E_SCRIPT',
    'E_MODEL', 'E_MODEL_API', 'E_MODEL_AUTH', 'E_MODEL_STOP', 'E_MODEL_ABORTED', 'E_MODEL_BAD_REQUEST', 'E_MODEL_NOT_FOUND', 'E_MODEL_RATE_LIMIT',
    'E_MODEL_OVERLOADED', 'E_MODEL_CONNECTION', 'E_MODEL_TIMEOUT', 'E_MODEL_STREAM_INCOMPLETE',
  ];
  const expected: Record<string, 'continue' | 'retry' | 'final'> = {
    E_CRASHED: 'continue', E_NO_HEARTBEAT: 'continue',
    E_MODEL: 'retry', E_MODEL_API: 'retry', E_MODEL_RATE_LIMIT: 'retry', E_MODEL_OVERLOADED: 'retry', E_MODEL_CONNECTION: 'retry',
    E_MODEL_TIMEOUT: 'retry', E_MODEL_STREAM_INCOMPLETE: 'retry', E_WORKER: 'retry',
  };

  it.each(ALL)('%s on a first attempt', (code) => {
    const s = fail(spawn(planned(), 'a'), 'a', code);
    const want = expected[code] ?? 'final';
    const a = s.subtasks.a!;
    if (want === 'final') {
      expect(a.status).toBe('failed');
      expect(a.attempt).toBe(1);
    } else {
      expect(a).toMatchObject({ status: 'pending', attempt: 2, continueNext: want === 'continue' });
    }
    expect(isRetryable(code)).toBe(want !== 'final');
  });

  it('an unknown code is final (allow-list), and the lists are consistent', () => {
    expect(isRetryable('E_SOMETHING_NEW')).toBe(false);
    for (const c of CONTINUE_CODES) expect(RETRYABLE_CODES).toContain(c);
  });

  it('maps failure codes to one agent status, live and resumed alike', () => {
    expect(agentStatusForFailure('E_CRASHED')).toBe('crashed');
    expect(agentStatusForFailure('E_NO_HEARTBEAT')).toBe('crashed');
    expect(agentStatusForFailure('E_TERMINATED')).toBe('terminated');
    expect(agentStatusForFailure('E_LIMIT')).toBe('failed');
  });

  it('the last allowed attempt fails for good', () => {
    let s = fail(spawn(planned(), 'a'), 'a', 'E_CRASHED');
    s = fail(spawn(s, 'a'), 'a', 'E_CRASHED');
    expect(s.subtasks.a).toMatchObject({ status: 'failed', attempt: 2 });
  });

  it('a heartbeat failure folded from an old journal (no `next`) still continues from the transcript', () => {
    const s = spawn(planned(), 'a');
    const folded = applyEvent(s, at({ type: 'failure', subtask: 'a', agent: 'w01-research', attempt: 1, error: 'silent', code: 'E_NO_HEARTBEAT', final: false }));
    expect(folded.subtasks.a).toMatchObject({ status: 'pending', attempt: 2, continueNext: true });
  });

  it('ignores a failure of an attempt that is not the running one', () => {
    const s = spawn(planned(), 'a');
    const stale = applyEvent(s, at({ type: 'failure', subtask: 'a', agent: 'w01-research', attempt: 7, error: 'x', code: 'E_CRASHED', final: false, next: 'continue' }));
    expect(stale).toBe(s);
  });
});

describe('host-lost respawns', () => {
  it('do not use up attempts, and have a bound of their own', () => {
    let s = planned();
    for (let i = 0; i < RULES.maxHostRespawns; i++) {
      s = fail(spawn(s, 'a'), 'a', 'E_CRASHED', { hostLost: true });
      expect(s.subtasks.a).toMatchObject({ status: 'pending', continueNext: true, hostRespawns: i + 1 });
    }
    // Past its bound a host loss counts as an ordinary crash: one attempt left, then final.
    s = fail(spawn(s, 'a'), 'a', 'E_CRASHED', { hostLost: true });
    expect(s.subtasks.a).toMatchObject({ status: 'pending', hostRespawns: 3 });
    s = fail(spawn(s, 'a'), 'a', 'E_CRASHED', { hostLost: true });
    expect(s.subtasks.a!.status).toBe('failed');
  });

  it('two kill-everything crashes leave a two-attempt subtask with its retry intact', () => {
    let s = fail(spawn(planned(), 'a'), 'a', 'E_CRASHED', { hostLost: true });
    s = fail(spawn(s, 'a'), 'a', 'E_CRASHED', { hostLost: true });
    s = fail(spawn(s, 'a'), 'a', 'E_MODEL_API');
    expect(s.subtasks.a).toMatchObject({ status: 'pending', attempt: 4 });
    expect(s.restarts).toHaveLength(1);
  });
});

describe('restart intensity', () => {
  const tight: RetryRules = { ...RULES, maxAttempts: 10, maxRestarts: 2, restartWindowMs: 1_000 };
  it('stops retrying once the session restarted too often in the window', () => {
    let s = fail(spawn(planned(), 'a'), 'a', 'E_CRASHED', { rules: tight });
    s = fail(spawn(s, 'b'), 'b', 'E_CRASHED', { rules: tight });
    s = fail(spawn(s, 'a'), 'a', 'E_CRASHED', { rules: tight });
    expect(s.subtasks.a!.status).toBe('failed');
    expect(s.subtasks.a!.error).toMatch(/restart intensity reached, 2 restarts in 1000 ms/);
  });
  it('forgets restarts older than the window', () => {
    let s = fail(spawn(planned(), 'a'), 'a', 'E_CRASHED', { rules: tight });
    s = fail(spawn(s, 'b'), 'b', 'E_CRASHED', { rules: tight });
    s = fail(spawn(s, 'a'), 'a', 'E_CRASHED', { rules: tight, now: clock + 5_000 });
    expect(s.subtasks.a!.status).toBe('pending');
  });
});

describe('fallback', () => {
  const withFallback: PlanInput = {
    subtasks: [{ id: 'n', role: 'analysis', description: 'N', dependsOn: [], fallbackRole: 'research', required: true }],
    failurePolicy: 'all',
  };
  it('hands a subtask that failed for good to its fallback role, as a new agent, once', () => {
    let s = fail(spawn(planned(withFallback), 'n'), 'n', 'E_LIMIT');
    expect(s.subtasks.n).toMatchObject({ status: 'pending', agentId: 'w02-research', role: 'research', attempt: 1, fallbackUsed: true });
    expect(s.fallbacks).toBe(1);
    s = fail(spawn(s, 'n'), 'n', 'E_LIMIT');
    expect(s.subtasks.n).toMatchObject({ status: 'failed', agentId: 'w02-research' });
  });
  it('is not used for an operator termination', () => {
    const s = fail(spawn(planned(withFallback), 'n'), 'n', 'E_TERMINATED');
    expect(s.subtasks.n!.status).toBe('failed');
  });
  it('folds the fallback decision of an old journal, once', () => {
    let s = spawn(planned(withFallback), 'n');
    s = applyEvent(s, at({ type: 'failure', subtask: 'n', agent: 'w01-analysis', attempt: 1, error: 'x', code: 'E_LIMIT', final: true }));
    s = applyEvent(s, at({ type: 'decision', what: 'fallback', why: 'x', subtask: 'n', agent: 'w02-research', role: 'research' }));
    expect(s.subtasks.n).toMatchObject({ status: 'pending', agentId: 'w02-research', fallbackUsed: true });
    const again = applyEvent(s, at({ type: 'decision', what: 'fallback', why: 'x', subtask: 'n', agent: 'w03-research', role: 'research' }));
    expect(again.subtasks.n!.agentId).toBe('w02-research');
  });
});

describe('scheduling: dependencies, maxWorkers, blocked subtasks', () => {
  it('releases a dependent only when all its dependencies completed', () => {
    let s = planned();
    expect(readyToStart(s, 4).map((x) => x.subtask.id)).toEqual(['a', 'b']);
    expect(readyToStart(s, 1).map((x) => x.subtask.id)).toEqual(['a']);
    s = result(spawn(spawn(s, 'a'), 'b'), 'a');
    expect(readyToStart(s, 4)).toEqual([]);
    s = result(s, 'b');
    expect(readyToStart(s, 4).map((x) => x.subtask.id)).toEqual(['c']);
  });
  it('counts running workers against maxWorkers', () => {
    const s = spawn(planned(), 'a');
    expect(readyToStart(s, 1)).toEqual([]);
  });
  it('blocks a subtask whose dependency failed for good', () => {
    let s = fail(spawn(planned(), 'a'), 'a', 'E_LIMIT');
    expect(blockedSubtasks(s).map((b) => [b.subtask.subtask.id, b.failed])).toEqual([['c', ['a']]]);
    s = applyEvent(s, at({ type: 'failure', subtask: 'c', agent: 'w03-writing', attempt: 1, error: 'not run', code: 'E_DEPENDENCY', final: true, next: 'final' }));
    expect(blockedSubtasks(s)).toEqual([]);
    expect(allSettled(s)).toBe(false);
    s = result(spawn(s, 'b'), 'b');
    expect(allSettled(s)).toBe(true);
  });
  it('releases dependents of a persistent subtask at its first result, and keeps it running', () => {
    let s = applyEvent(EMPTY_STATE, at({ type: 'plan', plan: validatePlan({ subtasks: [{ id: 'p', role: 'writing', description: 'P' }, { id: 'r', role: 'review', description: 'R', dependsOn: ['p'] }] }), extras: { p: { persistent: true }, r: { persistent: true } } }));
    s = result(spawn(s, 'p'), 'p');
    expect(s.subtasks.p!.status).toBe('running');
    expect(readyToStart(s, 4).map((x) => x.subtask.id)).toEqual(['r']);
    s = applyEvent(s, at({ type: 'settled', subtask: 'p', agent: 'w01-writing', status: 'completed' }));
    expect(s.subtasks.p!.status).toBe('completed');
  });
});

describe('failure policies', () => {
  function settle(policy: PlanInput['failurePolicy'], fails: string[], required: string[] = []): () => void {
    const plan: PlanInput = { subtasks: ['a', 'b', 'c'].map((id) => ({ id, role: 'research' as const, description: id, required: required.includes(id) })), failurePolicy: policy };
    let s = planned(plan);
    for (const id of ['a', 'b', 'c']) s = fails.includes(id) ? fail(spawn(s, id), id, 'E_LIMIT') : result(spawn(s, id), id);
    expect(allSettled(s)).toBe(true);
    return () => checkPolicy(validatePlan(plan).failurePolicy, settledForPolicy(s));
  }
  it('all: any failure fails', () => {
    expect(settle('all', [])).not.toThrow();
    expect(settle('all', ['b'])).toThrow(PolicyFailedError);
  });
  it('quorum: enough successes pass, too few fail', () => {
    expect(settle({ quorum: 2 }, ['c'])).not.toThrow();
    expect(settle({ quorum: 2 }, ['b', 'c'])).toThrow(/quorum 2: only 1/);
  });
  it('best-effort: passes with one success, AllWorkersFailed with none', () => {
    expect(settle('best-effort', ['a', 'b'])).not.toThrow();
    expect(settle('best-effort', ['a', 'b', 'c'])).toThrow(AllWorkersFailedError);
  });
  it('required: a failed required subtask fails even a best-effort plan', () => {
    expect(settle('best-effort', ['b'], ['b'])).toThrow(/required subtask\(s\) failed: b/);
    expect(settle('best-effort', ['a'], ['b'])).not.toThrow();
  });
});

describe('the fold', () => {
  /** A random but well-formed journal: the coordinator's own moves, in random order. */
  function randomJournal(seed: number, n: number): JournalEntry[] {
    let x = seed;
    const rnd = (k: number) => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x % k;
    };
    const codes = ['E_CRASHED', 'E_NO_HEARTBEAT', 'E_LIMIT', 'E_MODEL_API', 'E_TERMINATED'];
    let s = planned({ ...PLAN, subtasks: PLAN.subtasks.map((t) => ({ ...t, ...(t.id === 'b' ? { fallbackRole: 'analysis' as const } : {}) })), failurePolicy: 'best-effort' });
    const entries: JournalEntry[] = [at({ type: 'plan', plan: s.plan! })];
    const push = (e: JournalEvent) => {
      const entry = at(e);
      entries.push(entry);
      s = applyEvent(s, entry);
    };
    for (let i = 0; i < n; i++) {
      const ids = ['a', 'b', 'c'];
      const id = ids[rnd(3)]!;
      const t = s.subtasks[id]!;
      const move = rnd(6);
      if (t.status === 'pending' && move < 3) push({ type: 'spawn', subtask: id, agent: t.agentId, role: t.role, attempt: t.attempt, pid: 1000 + i });
      else if (t.status === 'running' && move === 0) push({ type: 'started', subtask: id, agent: t.agentId, attempt: t.attempt, pid: t.pid! });
      else if (t.status === 'running' && move === 1) push({ type: 'progress', subtask: id, agent: t.agentId, attempt: t.attempt, turn: i, usage: { input_tokens: i, output_tokens: 1 } });
      else if (t.status === 'running' && move === 2) push({ type: 'result', subtask: id, agent: t.agentId, attempt: t.attempt, output: `o${i}`, usage: { input_tokens: 1, output_tokens: 1 }, turns: 1, messageId: `m${i}` });
      else if (t.status === 'running' && move >= 3) {
        const code = codes[rnd(codes.length)]!;
        const d = decideFailure(s, id, { code, message: code, hostLost: rnd(4) === 0 }, RULES, clock);
        push({ type: 'failure', subtask: id, agent: t.agentId, attempt: t.attempt, error: d.error, code, final: d.final, next: d.next, ...(d.fallback ? { fallback: d.fallback } : {}), ...(d.hostLost ? { hostLost: true } : {}) });
      } else if (t.status === 'failed' && move === 5) push({ type: 'requeue', subtask: id, instructions: `try ${i}` });
      else if (move === 4) push({ type: 'pattern', pattern: 'x', state: { n: i }, handled: { subtask: id, round: i } });
      else push({ type: 'decision', what: 'note', why: `${i}` });
    }
    return entries;
  }

  it('fold(prefix) then fold(rest) equals fold(all), for random journals cut anywhere', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const entries = randomJournal(seed, 80);
      const whole = fold(entries);
      for (let cut = 0; cut <= entries.length; cut += 7) {
        expect(fold(entries.slice(cut), fold(entries.slice(0, cut)))).toEqual(whole);
      }
    }
  });

  it('never modifies the state it is given', () => {
    const entries = randomJournal(7, 60);
    const states = [EMPTY_STATE];
    for (const e of entries) states.push(applyEvent(states.at(-1)!, e));
    const snapshot = JSON.stringify(states);
    fold(entries);
    for (let i = 0; i < entries.length; i++) applyEvent(states[i]!, entries[i]!);
    expect(JSON.stringify(states)).toBe(snapshot);
  });

  it('a duplicate result changes nothing', () => {
    const s = result(spawn(planned(), 'a'), 'a');
    const again = applyEvent(s, at({ type: 'result', subtask: 'a', agent: 'w01-research', attempt: 1, output: 'other', usage: { input_tokens: 1, output_tokens: 1 }, turns: 1, messageId: 'dup' }));
    expect(again.subtasks.a!.output).toBe('a-out');
  });

  it('reattach, verdict and synthesis are folded', () => {
    let s = spawn(planned(), 'a', 42);
    s = applyEvent(s, at({ type: 'reattach', subtask: 'a', agent: 'w01-research', attempt: 1, pid: 43 }));
    expect(s.subtasks.a).toMatchObject({ status: 'running', pid: 43 });
    s = applyEvent(s, at({ type: 'verdict', status: 'needs_human', text: 'draft', reason: 'low score' }));
    s = applyEvent(s, at({ type: 'synthesis', text: 'draft', usage: { input_tokens: 0, output_tokens: 0 }, status: 'needs_human' }));
    expect(s.verdict).toMatchObject({ status: 'needs_human' });
    expect(s.synthesis).toMatchObject({ text: 'draft', status: 'needs_human' });
  });

  it('counts a respawned persistent worker\'s rounds on from where the lost one stopped', () => {
    let s = applyEvent(EMPTY_STATE, at({ type: 'plan', plan: validatePlan({ subtasks: [{ id: 'p', role: 'writing', description: 'P' }] }), extras: { p: { persistent: true } } }));
    s = spawn(s, 'p');
    for (const round of [1, 2]) s = applyEvent(s, at({ type: 'result', subtask: 'p', agent: 'w01-writing', attempt: 1, round, output: `r${round}`, usage: { input_tokens: 1, output_tokens: 1 }, turns: 1, messageId: `m${round}` }));
    s = fail(s, 'p', 'E_CRASHED', { hostLost: true });
    s = spawn(s, 'p');
    s = applyEvent(s, at({ type: 'result', subtask: 'p', agent: 'w01-writing', attempt: 2, round: 1, output: 'r3', usage: { input_tokens: 1, output_tokens: 1 }, turns: 1, messageId: 'm3' }));
    expect(s.subtasks.p).toMatchObject({ round: 3, output: 'r3', status: 'running' });
  });
});
