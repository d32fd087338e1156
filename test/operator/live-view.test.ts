/**
 * The live view's renderer, fed fake events: whatever order workers finish in, however
 * events interleave and however redraws are throttled, the replayed screen shows each
 * agent exactly once with its final status, and nothing is left over from earlier frames.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionEvent } from '../../src/coordinator/events.js';
import { LiveView, chooseProgress } from '../../src/cli/live.js';
import { VirtualTerminal } from './vt.js';

type Stamped = SessionEvent & { t: number };

const AGENTS = ['w01-research', 'w02-research', 'w03-analysis'];
const SUBTASKS = ['alpha', 'beta', 'gamma'];

function plan(): SessionEvent {
  return {
    type: 'plan',
    plan: {
      subtasks: [
        { id: 'alpha', role: 'research', description: 'Research alpha', dependsOn: [], required: false },
        { id: 'beta', role: 'research', description: 'Research beta', dependsOn: [], required: false },
        { id: 'gamma', role: 'analysis', description: 'Analyse gamma', dependsOn: [], required: false },
      ],
      failurePolicy: 'all',
    },
  };
}

/** A seeded PRNG, so a failing order can be reproduced. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The events of a session whose workers finish in `order`; each worker's own events stay
 * in order (spawned < started < progress… < result), workers interleave at random.
 */
function sessionEvents(order: number[], seed: number, failFirst = false): SessionEvent[] {
  const rand = rng(seed);
  const out: SessionEvent[] = [
    { type: 'session_started', sessionId: '20260101-000000-abcdef', sessionDir: '/tmp/x', provider: 'scripted', resumed: false },
    plan(),
  ];
  for (let i = 0; i < 3; i++) {
    out.push({ type: 'worker_spawned', subtask: SUBTASKS[i]!, agent: AGENTS[i]!, role: i === 2 ? 'analysis' : 'research', attempt: 1, pid: 1000 + i });
  }
  // Per worker: started, 1..3 progress events; then results in the requested order.
  const queues = [0, 1, 2].map((i) => {
    const q: SessionEvent[] = [{ type: 'worker_started', subtask: SUBTASKS[i]!, agent: AGENTS[i]!, attempt: 1, pid: 1000 + i }];
    const turns = 1 + Math.floor(rand() * 3);
    for (let turn = 1; turn <= turns; turn++) {
      q.push({ type: 'progress', subtask: SUBTASKS[i]!, agent: AGENTS[i]!, turn, usage: { input_tokens: 100 * turn * (i + 1), output_tokens: 10 * turn } });
    }
    return q;
  });
  while (queues.some((q) => q.length)) {
    const live = queues.filter((q) => q.length);
    out.push(live[Math.floor(rand() * live.length)]!.shift()!);
  }
  for (const i of order) {
    if (failFirst && i === order[0]) {
      out.push({ type: 'failure', subtask: SUBTASKS[i]!, agent: AGENTS[i]!, attempt: 1, error: 'model overloaded', final: false });
      out.push({ type: 'worker_spawned', subtask: SUBTASKS[i]!, agent: AGENTS[i]!, role: i === 2 ? 'analysis' : 'research', attempt: 2, pid: 2000 + i });
      out.push({ type: 'worker_started', subtask: SUBTASKS[i]!, agent: AGENTS[i]!, attempt: 2, pid: 2000 + i });
    }
    out.push({ type: 'result', subtask: SUBTASKS[i]!, agent: AGENTS[i]!, attempt: failFirst && i === order[0] ? 2 : 1, output: `out ${i}`, reused: false });
  }
  out.push({ type: 'synthesis_started' }, { type: 'synthesis_done', text: 'answer' }, { type: 'session_ended', status: 'completed' });
  return out;
}

const PERMUTATIONS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

/** Asserts the final screen: each agent once, with its final status, and one header. */
function expectCleanScreen(screen: string[], status = 'done') {
  expect(screen.filter((l) => /^AGENT\s+ROLE\s+STATUS/.test(l)), screen.join('\n')).toHaveLength(1);
  for (const a of AGENTS) {
    const rows = screen.filter((l) => l.startsWith(a + ' '));
    expect(rows, `${a} in:\n${screen.join('\n')}`).toHaveLength(1);
    expect(rows[0]).toMatch(new RegExp(`^${a}\\s+\\w+\\s+${status}\\b`));
  }
  expect(screen.filter((l) => /^coordinator\s/.test(l))).toHaveLength(1);
  expect(screen.at(-1)).toMatch(/session completed$/);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the live view renderer', () => {
  it.each(PERMUTATIONS.flatMap((order) => [1, 2, 3].map((seed) => ({ order, seed }))))(
    'shows each agent once, finished, when workers finish in order $order (seed $seed)',
    ({ order, seed }) => {
      const vt = new VirtualTerminal(100);
      let now = 1_000_000;
      const view = new LiveView({ write: (s) => void vt.write(s), columns: () => 100 }, { now: () => now, throttleMs: 0, tickMs: 0 });
      for (const e of sessionEvents(order, seed)) {
        now += 37;
        view.listener({ ...e, t: now } as Stamped);
      }
      view.close();
      const screen = vt.screen();
      expectCleanScreen(screen);
      expect(vt.underflows).toBe(0);
      // The plan is printed once, above the block.
      expect(screen.filter((l) => /plan: 3 subtask/.test(l))).toHaveLength(1);
      expect(screen.findIndex((l) => /plan: 3 subtask/.test(l))).toBeLessThan(screen.findIndex((l) => l.startsWith('AGENT')));
      // Tokens are the last reported totals: w03-analysis reported 300*turns in and 10*turns out.
      const row3 = screen.find((l) => l.startsWith('w03-analysis'))!;
      expect(row3).toMatch(/\s(\d)\s+([\d,]+)\s+[\d.]+s$/);
      const [, turn, tokens] = /\s(\d)\s+([\d,]+)\s+[\d.]+s$/.exec(row3)!;
      expect(Number(tokens!.replace(/,/g, ''))).toBe(310 * Number(turn));
    },
  );

  it('keeps the block whole when a failure is printed above it mid-run, and counts the retry', () => {
    const vt = new VirtualTerminal(100);
    let now = 5_000;
    const view = new LiveView({ write: (s) => void vt.write(s) }, { now: () => now, throttleMs: 0, tickMs: 0 });
    for (const e of sessionEvents([2, 0, 1], 7, true)) {
      now += 50;
      view.listener({ ...e, t: now } as Stamped);
    }
    const screen = vt.screen();
    expectCleanScreen(screen);
    expect(screen.filter((l) => /w03-analysis failed, will retry: model overloaded/.test(l))).toHaveLength(1);
    expect(screen.find((l) => l.startsWith('w03-analysis'))).toMatch(/done \(try 2\)/);
  });

  it('redraws throttled (at most ~10 frames a second) and still ends on the final state', () => {
    vi.useFakeTimers();
    const vt = new VirtualTerminal(100);
    let frames = 0;
    const view = new LiveView(
      {
        write: (s) => {
          if (s.includes('AGENT')) frames++;
          vt.write(s);
        },
      },
      { throttleMs: 100, tickMs: 1000 },
    );
    const events = sessionEvents([1, 2, 0], 11);
    for (const e of events) {
      view.listener({ ...e, t: Date.now() } as Stamped);
      vi.advanceTimersByTime(7);
    }
    vi.advanceTimersByTime(5000);
    expectCleanScreen(vt.screen());
    // ~30 events in ~0.2 s: a handful of frames, not one per event.
    expect(frames).toBeLessThan(events.length);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cuts lines to a narrow terminal so nothing wraps', () => {
    const vt = new VirtualTerminal(36);
    let now = 0;
    const view = new LiveView({ write: (s) => void vt.write(s), columns: () => 36 }, { now: () => now, throttleMs: 0, tickMs: 0 });
    const events = sessionEvents([0, 1, 2], 3);
    // Static lines (session, plan) may wrap: they scroll away and are never redrawn.
    for (const e of events) {
      now += 10;
      view.listener({ ...e, t: now } as Stamped);
    }
    const screen = vt.screen();
    const header = screen.findIndex((l) => l.startsWith('AGENT'));
    const blockLines = screen.slice(header, header + 4);
    for (const l of blockLines) expect(l.length).toBeLessThanOrEqual(35);
    for (const a of AGENTS) expect(screen.filter((l) => l.startsWith(a))).toHaveLength(1);
    expect(vt.underflows).toBe(0);
  });

  it('strips control characters from text it prints (task and plan text are untrusted)', () => {
    const vt = new VirtualTerminal(120);
    const view = new LiveView({ write: (s) => void vt.write(s) }, { throttleMs: 0, tickMs: 0 });
    const p = plan() as Extract<SessionEvent, { type: 'plan' }>;
    p.plan.subtasks[0]!.description = 'evil \x1b[2J\x1b[1A text';
    view.listener({ type: 'session_started', sessionId: 's', sessionDir: '/x', provider: 'scripted', resumed: false, t: 1 });
    view.listener({ ...p, t: 2 });
    view.close();
    expect(vt.screen().join('\n')).toMatch(/evil\s+text/);
  });
});

describe('choosing the progress display', () => {
  const err = () => {};
  it('is live on a terminal outside CI, plain otherwise', () => {
    expect(chooseProgress({ err }, { isTTY: true, env: {} }).kind).toBe('live');
    expect(chooseProgress({ err }, { isTTY: false, env: {} }).kind).toBe('plain');
    expect(chooseProgress({ err }, { isTTY: true, env: { CI: 'true' } }).kind).toBe('plain');
    expect(chooseProgress({ err }, { isTTY: true, env: { TERM: 'dumb' } }).kind).toBe('plain');
    expect(chooseProgress({ err }, { isTTY: true, env: {}, quiet: true }).kind).toBe('plain');
    expect(chooseProgress({ err }, { isTTY: true, env: {}, json: true }).kind).toBe('plain');
    expect(chooseProgress({ err }, { isTTY: true, env: {}, json: true, quiet: true }).kind).toBe('none');
  });

  it('prints text around the live block through print()', () => {
    const vt = new VirtualTerminal(80);
    const d = chooseProgress({ err: (s) => void vt.write(s) }, { isTTY: true, env: {}, columns: () => 80, rows: () => 24 });
    d.listener!({ type: 'session_started', sessionId: 's', sessionDir: '/x', provider: 'scripted', resumed: false, t: 1 });
    d.listener!({ ...plan(), t: 2 });
    d.print('\ninterrupting: shutting workers down\n');
    d.close();
    const screen = vt.screen();
    expect(screen.filter((l) => l.startsWith('AGENT'))).toHaveLength(1);
    expect(screen.indexOf('interrupting: shutting workers down')).toBeLessThan(screen.findIndex((l) => l.startsWith('AGENT')));
  });
});
