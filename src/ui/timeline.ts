/**
 * The session's timeline, derived from its journal and the coordinator's mailbox: one
 * lane per agent, one bar per attempt (from spawn to its end), and marks for what
 * happened along the way. The journal is the coordinator's record of every step, so the
 * timeline shows what `--resume` would replay.
 */
import type { StoredMessage } from '../mailbox/inspect.js';
import type { JournalEntry } from '../session/journal.js';
import { COORDINATOR_ID } from '../session/layout.js';

/** What a mark on a lane stands for. */
export type MarkKind =
  | 'spawn'
  | 'started'
  | 'progress'
  | 'result'
  | 'failure'
  | 'shutdown'
  | 'SIGTERM'
  | 'SIGKILL'
  | 'gone'
  | 'reattach'
  | 'resume'
  | 'synthesis'
  | 'waiting';

export interface TimelineMark {
  t: number;
  kind: MarkKind;
  /** One line for the tooltip. */
  label: string;
}

export interface TimelineBar {
  agent: string;
  attempt: number;
  start: number;
  /** Absent while the attempt is still running. */
  end?: number;
  /** How it ended: result, failure, terminated, or running / unknown. */
  outcome: 'result' | 'failure' | 'terminated' | 'running' | 'unknown';
  marks: TimelineMark[];
}

export interface TimelineLane {
  agent: string;
  bars: TimelineBar[];
}

export interface Timeline {
  start?: number;
  end?: number;
  lanes: TimelineLane[];
}

type Entry<T extends JournalEntry['type']> = Extract<JournalEntry, { type: T }>;

/**
 * Builds the timeline. `coordinatorMail` are the coordinator's stored messages (progress
 * turns live there, not in the journal); `now` closes bars of a session still running.
 */
export function buildTimeline(journal: JournalEntry[], coordinatorMail: StoredMessage[], opts: { running: boolean; now?: number }): Timeline {
  const now = opts.now ?? Date.now();
  const lanes = new Map<string, TimelineBar[]>();
  const lane = (agent: string) => {
    let bars = lanes.get(agent);
    if (!bars) lanes.set(agent, (bars = []));
    return bars;
  };
  // The coordinator: one bar per run of its process (the first start, then each resume).
  let coordinatorBar: TimelineBar | undefined;
  const openCoordinator = (t: number, kind: 'spawn' | 'resume', label: string) => {
    // A resume means the previous coordinator process ended without saying so (it crashed or was killed).
    if (coordinatorBar && coordinatorBar.end === undefined) {
      coordinatorBar.end = t;
      coordinatorBar.outcome = 'unknown';
    }
    coordinatorBar = { agent: COORDINATOR_ID, attempt: lane(COORDINATOR_ID).length + 1, start: t, outcome: 'running', marks: [{ t, kind, label }] };
    lane(COORDINATOR_ID).push(coordinatorBar);
  };
  const current = (agent: string): TimelineBar | undefined => lanes.get(agent)?.at(-1);
  const barOf = (agent: string, attempt: number): TimelineBar | undefined => lanes.get(agent)?.findLast((b) => b.attempt === attempt);

  for (const e of journal) {
    switch (e.type) {
      case 'session_started':
        openCoordinator(e.t, 'spawn', `session started (pid ${e.pid})`);
        break;
      case 'session_resumed':
        openCoordinator(e.t, 'resume', `resumed by pid ${e.pid}${e.previousPid ? ` (was ${e.previousPid})` : ''}`);
        break;
      case 'spawn': {
        const prev = current(e.agent);
        // A new attempt ends the previous one if nothing else did (a crash found on resume).
        if (prev && prev.end === undefined) {
          prev.end = e.t;
          prev.outcome = 'unknown';
        }
        lane(e.agent).push({ agent: e.agent, attempt: e.attempt, start: e.t, outcome: 'running', marks: [{ t: e.t, kind: 'spawn', label: `spawned for ${e.subtask}, attempt ${e.attempt} (pid ${e.pid})` }] });
        break;
      }
      case 'started':
        barOf(e.agent, e.attempt)?.marks.push({ t: e.t, kind: 'started', label: `started (pid ${e.pid})` });
        break;
      case 'reattach': {
        const label = `reattached to pid ${e.pid}${e.spare ? ` (warm spare ${e.spare})` : ''}`;
        const bar = barOf(e.agent, e.attempt);
        if (bar) bar.marks.push({ t: e.t, kind: 'reattach', label });
        // Its spawn line was lost to a crash: the attempt's bar starts here.
        else lane(e.agent).push({ agent: e.agent, attempt: e.attempt, start: e.t, outcome: 'running', marks: [{ t: e.t, kind: 'reattach', label }] });
        break;
      }
      case 'result':
      case 'failure': {
        const bar = barOf(e.agent, e.attempt) ?? current(e.agent);
        if (!bar) break;
        const failed = e.type === 'failure';
        bar.marks.push({ t: e.t, kind: e.type, label: failed ? `failed${(e as Entry<'failure'>).final ? '' : ' (will retry)'}: ${(e as Entry<'failure'>).error}` : `result (${(e as Entry<'result'>).turns} turns)` });
        if (bar.end === undefined || bar.outcome === 'terminated') {
          bar.end = e.t;
          bar.outcome = e.type;
        }
        break;
      }
      case 'terminate': {
        const bar = current(e.agent);
        if (!bar) break;
        bar.marks.push({ t: e.t, kind: e.step, label: `${e.step}: ${e.reason}` });
        if (e.step === 'gone' && bar.end === undefined) {
          bar.end = e.t;
          bar.outcome = 'terminated';
        }
        break;
      }
      case 'request':
        // Marked where the wait began: the requester's bar (the coordinator for its own questions).
        (e.agent === COORDINATOR_ID ? coordinatorBar : current(e.agent))?.marks.push({ t: e.t, kind: 'waiting', label: `waiting for a person (${e.id}): ${e.summary.slice(0, 120)}` });
        break;
      case 'synthesis_started':
        coordinatorBar?.marks.push({ t: e.t, kind: 'synthesis', label: 'synthesis started' });
        break;
      case 'synthesis':
        coordinatorBar?.marks.push({ t: e.t, kind: 'result', label: 'synthesis done' });
        break;
      case 'session_ended':
        if (coordinatorBar) {
          coordinatorBar.end = e.t;
          coordinatorBar.outcome = e.status === 'completed' ? 'result' : e.status === 'interrupted' ? 'terminated' : 'failure';
          coordinatorBar.marks.push({ t: e.t, kind: e.status === 'completed' ? 'result' : 'failure', label: `session ${e.status}${e.reason ? `: ${e.reason}` : ''}` });
        }
        break;
      default:
        break;
    }
  }

  // Progress turns: each belongs to the attempt of its sender running at that time.
  for (const m of coordinatorMail) {
    const env = m.envelope;
    if (!env || env.type !== 'progress') continue;
    const bar = lanes.get(env.from)?.findLast((b) => b.start <= env.sentAt);
    bar?.marks.push({ t: env.sentAt, kind: 'progress', label: `turn ${env.body.turn}${env.body.note ? `: ${env.body.note}` : ''}` });
  }

  let end = 0;
  let start = Number.POSITIVE_INFINITY;
  for (const bars of lanes.values()) {
    for (const b of bars) {
      // A bar left open by a session that is over ended at its last mark, as far as we know.
      if (b.end === undefined && !opts.running) {
        b.end = Math.max(b.start, ...b.marks.map((m) => m.t));
        b.outcome = 'unknown';
      }
      b.marks.sort((x, y) => x.t - y.t);
      start = Math.min(start, b.start);
      end = Math.max(end, b.end ?? now, ...b.marks.map((m) => m.t));
    }
  }
  const ordered = [...lanes.entries()].sort(([a], [b]) => (a === COORDINATOR_ID ? -1 : b === COORDINATOR_ID ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return {
    ...(Number.isFinite(start) ? { start, end } : {}),
    lanes: ordered.map(([agent, bars]) => ({ agent, bars })),
  };
}
