/**
 * The live progress view for a terminal: the session header and the plan printed once,
 * then a block of one line per agent (id, role, status, turn, tokens, elapsed) redrawn in
 * place. The block is always redrawn whole: move the cursor up over the lines drawn last
 * time, erase to the end of the screen, write every line again. So the order in which
 * workers finish can never leave a stale or doubled line, and text that must scroll (a
 * failure, a termination, a notice) is printed by erasing the block, writing the text,
 * and drawing the block again below it. Lines are cut to the terminal's width, because
 * a wrapped line would throw off the count of lines to move up over.
 */
import type { SessionEvent, SessionEventListener } from '../coordinator/events.js';
import { workerId } from '../session/layout.js';
import { formatDuration, formatTokens, sanitize, table, truncate } from './inspect/format.js';
import { formatEvent, plainProgress, timestamp } from './progress.js';

/** Where the view draws: a terminal, or a fake one in tests. */
export interface LiveTerminal {
  write(text: string): void;
  /** Width in columns; undefined or 0 means unknown (80 is assumed). */
  columns?(): number | undefined;
  /** Height in rows; undefined or 0 means unknown (24 is assumed). */
  rows?(): number | undefined;
}

export interface LiveViewOptions {
  /** The clock, for elapsed times (tests pass a fake one). */
  now?: () => number;
  /** At most one redraw per this many ms (default 100: ~10 frames a second); 0 draws on every event. */
  throttleMs?: number;
  /** How often elapsed times of running agents are refreshed with no event (default 1000; 0 = never). */
  tickMs?: number;
}

type Status = 'pending' | 'starting' | 'running' | 'retrying' | 'done' | 'failed' | 'planning' | 'supervising' | 'synthesizing' | string;

interface Row {
  agent: string;
  role: string;
  subtask?: string;
  status: Status;
  attempt: number;
  turn?: number;
  /** Tokens of earlier attempts, plus the current attempt's latest report. */
  tokensBefore: number;
  tokens?: number;
  startedAt?: number;
  endedAt?: number;
}

const ESC = '\x1b[';

export class LiveView {
  /** Give this to `runSession({ onEvent })`. */
  readonly listener: SessionEventListener;
  private readonly rows = new Map<string, Row>();
  private readonly coordinator: Row = { agent: 'coordinator', role: 'coordinator', status: 'planning', attempt: 1, tokensBefore: 0 };
  private readonly now: () => number;
  private readonly throttleMs: number;
  private drawn = 0;
  private lastDraw = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private closed = false;
  private started = false;

  constructor(
    private readonly term: LiveTerminal,
    opts: LiveViewOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.throttleMs = opts.throttleMs ?? 100;
    this.listener = (e) => this.onEvent(e);
    const tickMs = opts.tickMs ?? 1000;
    if (tickMs > 0) {
      this.ticker = setInterval(() => {
        if ([...this.rows.values(), this.coordinator].some((r) => r.endedAt === undefined && r.startedAt !== undefined)) this.schedule();
      }, tickMs);
      // The view must never keep the process alive.
      this.ticker.unref();
    }
  }

  /** Prints text above the live block, e.g. a message from outside the session (Ctrl-C). */
  print(text: string): void {
    if (this.closed || !this.started) {
      this.term.write(text);
      return;
    }
    this.printAbove(text.replace(/\n$/, '').split('\n'));
  }

  /** Stops the view: a last redraw, and no timer left behind. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.stopTimers();
    if (this.started) this.draw();
    this.closed = true;
  }

  /** The block as it would be drawn now, before cutting to the terminal's width. */
  frame(): string[] {
    const now = this.now();
    const rows = [this.coordinator, ...this.rows.values()];
    const cells = rows.map((r) => [
      r.agent,
      r.role,
      r.status + (r.attempt > 1 && r.role !== 'coordinator' ? ` (try ${r.attempt})` : ''),
      r.turn !== undefined ? String(r.turn) : '-',
      r.tokens !== undefined ? formatTokens(r.tokens) : '-',
      r.startedAt !== undefined ? formatDuration((r.endedAt ?? now) - r.startedAt) : '-',
    ]);
    const lines = table([['AGENT', 'ROLE', 'STATUS', 'TURN', 'TOKENS', 'ELAPSED'], ...cells], ['left', 'left', 'left', 'right', 'right', 'right']);
    const maxLines = Math.max(3, this.height() - 2);
    if (lines.length > maxLines) {
      // More agents than the screen holds: lines that scrolled off could never be redrawn.
      const hidden = lines.length - (maxLines - 1);
      return [...lines.slice(0, maxLines - 1), `… and ${hidden} more agent(s); see: mailroom show latest`];
    }
    return lines;
  }

  private width(): number {
    const c = this.term.columns?.();
    return c && c > 10 ? c : 80;
  }

  private height(): number {
    const r = this.term.rows?.();
    return r && r > 4 ? r : 24;
  }

  private onEvent(e: SessionEvent & { t: number }): void {
    if (this.closed) return;
    switch (e.type) {
      case 'session_started':
        this.started = true;
        this.coordinator.startedAt = e.t;
        this.coordinator.status = e.resumed ? 'resuming' : 'planning';
        this.printAbove([this.stamp(e)]);
        return;
      case 'notice':
      case 'terminated':
        this.printAbove([this.stamp(e)]);
        return;
      case 'plan': {
        e.plan.subtasks.forEach((s, i) => {
          if (this.rows.has(s.id)) return;
          this.rows.set(s.id, { agent: workerId(i + 1, s.role), role: s.role, subtask: s.id, status: 'pending', attempt: 1, tokensBefore: 0 });
        });
        this.coordinator.status = 'supervising';
        // The plan is cut to the width: `mailroom show` has the whole descriptions.
        this.printAbove(this.stamp(e).split('\n').map((l) => truncate(l, this.width() - 1)));
        return;
      }
      case 'worker_spawned': {
        const r = this.rowFor(e.subtask, e.agent, e.role);
        if (e.attempt > r.attempt) {
          r.tokensBefore = r.tokens ?? r.tokensBefore;
          r.turn = undefined;
        }
        Object.assign(r, { agent: e.agent, role: e.role, attempt: e.attempt, status: 'starting', startedAt: e.t, endedAt: undefined });
        break;
      }
      case 'worker_started': {
        const r = this.rowFor(e.subtask, e.agent);
        if (e.attempt === r.attempt && r.endedAt === undefined) r.status = 'running';
        break;
      }
      case 'worker_reattached': {
        const r = this.rowFor(e.subtask, e.agent);
        Object.assign(r, { status: 'running', endedAt: undefined });
        r.startedAt ??= e.t;
        break;
      }
      case 'progress': {
        const r = this.rowFor(e.subtask, e.agent);
        r.turn = e.turn;
        r.tokens = r.tokensBefore + e.usage.input_tokens + e.usage.output_tokens;
        if (r.status === 'starting') r.status = 'running';
        break;
      }
      case 'result': {
        const r = this.rowFor(e.subtask, e.agent);
        Object.assign(r, { status: e.reused ? 'done (kept)' : 'done', endedAt: e.t });
        r.startedAt ??= e.t;
        break;
      }
      case 'failure': {
        const r = this.rowFor(e.subtask, e.agent);
        Object.assign(r, { status: e.final ? 'failed' : 'retrying', endedAt: e.t });
        this.printAbove([this.stamp(e)]);
        return;
      }
      case 'approval_requested':
      case 'question_asked': {
        // The command to run is printed above the block; the row says who waits.
        const r = e.agent === 'coordinator' || !e.subtask ? this.coordinator : this.rowFor(e.subtask, e.agent);
        r.status = `waiting for you (${e.request})`;
        this.printAbove(this.stamp(e).split('\n'));
        return;
      }
      case 'request_answered': {
        const r = e.agent === 'coordinator' ? this.coordinator : [...this.rows.values()].find((x) => x.agent === e.agent);
        if (r && r.status.startsWith('waiting for you')) r.status = r === this.coordinator ? 'supervising' : 'running';
        break;
      }
      case 'synthesis_started':
        this.coordinator.status = 'synthesizing';
        break;
      case 'synthesis_done':
        this.coordinator.status = 'synthesized';
        break;
      case 'draft':
        this.coordinator.status = `drafting (${e.text.length} chars)`;
        break;
      case 'session_ended': {
        this.coordinator.status = e.status;
        this.coordinator.endedAt = e.t;
        for (const r of this.rows.values()) {
          // Workers still marked as running were stopped with the session.
          if (r.endedAt === undefined && r.startedAt !== undefined) Object.assign(r, { status: 'stopped', endedAt: e.t });
        }
        this.stopTimers();
        this.printAbove([]);
        this.term.write(`[${timestamp(e.t)}] ${formatEvent(e) ?? ''}\n`);
        this.closed = true;
        return;
      }
    }
    this.schedule();
  }

  /** The row of a subtask; created for events of a subtask the plan did not announce. */
  private rowFor(subtask: string, agent: string, role?: string): Row {
    let r = this.rows.get(subtask);
    if (!r) {
      r = { agent, role: role ?? agent.replace(/^w\d+-/, ''), subtask, status: 'pending', attempt: 1, tokensBefore: 0 };
      this.rows.set(subtask, r);
    }
    return r;
  }

  private stamp(e: SessionEvent & { t: number }): string {
    return `[${timestamp(e.t)}] ${sanitize(formatEvent(e) ?? e.type)}`;
  }

  /** Redraws at most once per throttle period; a burst of events costs one frame. */
  private schedule(): void {
    if (this.closed || this.timer) return;
    const wait = this.lastDraw + this.throttleMs - this.now();
    if (wait <= 0) {
      this.draw();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.draw();
    }, wait);
    this.timer.unref();
  }

  /** Moves to the top of the drawn block and erases it and everything below. */
  private eraseBlock(): string {
    return this.drawn > 0 ? `${ESC}${this.drawn}A\r${ESC}J` : `\r${ESC}J`;
  }

  private fit(lines: string[]): string[] {
    const max = this.width() - 1;
    return lines.map((l) => truncate(sanitize(l).replace(/[\r\n\t]/g, ' '), max));
  }

  private draw(): void {
    const lines = this.fit(this.frame());
    this.term.write(this.eraseBlock() + lines.map((l) => l + '\n').join(''));
    this.drawn = lines.length;
    this.lastDraw = this.now();
  }

  /** Scrolls `lines` out above the block, then draws the block again (one write). */
  private printAbove(lines: string[]): void {
    const text = lines.map((l) => sanitize(l) + '\n').join('');
    const block = this.fit(this.frame());
    this.term.write(this.eraseBlock() + text + block.map((l) => l + '\n').join(''));
    this.drawn = block.length;
    this.lastDraw = this.now();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private stopTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    this.timer = this.ticker = undefined;
  }
}

/** How progress is shown on stderr, with a way to print around it and to stop it. */
export interface ProgressDisplay {
  listener?: SessionEventListener;
  /** Prints a message to stderr without breaking the live block. */
  print(text: string): void;
  close(): void;
  kind: 'live' | 'plain' | 'none';
}

export interface ProgressChoice {
  quiet?: boolean;
  json?: boolean;
  /** Is stderr a terminal; default process.stderr.isTTY. */
  isTTY?: boolean;
  env?: NodeJS.ProcessEnv;
  columns?: () => number | undefined;
  rows?: () => number | undefined;
}

/**
 * The live view on a terminal, unless in CI (env CI set), on a dumb terminal, or with
 * --quiet/--json; plain timestamped lines otherwise; nothing for `--json --quiet`.
 */
export function chooseProgress(io: { err: (s: string) => void }, opts: ProgressChoice = {}): ProgressDisplay {
  const env = opts.env ?? process.env;
  const isTTY = opts.isTTY ?? process.stderr.isTTY === true;
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  if (isTTY && !ci && env.TERM !== 'dumb' && !opts.quiet && !opts.json) {
    const view = new LiveView({
      write: io.err,
      columns: opts.columns ?? (() => process.stderr.columns),
      rows: opts.rows ?? (() => process.stderr.rows),
    });
    return { kind: 'live', listener: view.listener, print: (s) => view.print(s), close: () => view.close() };
  }
  const listener = opts.json && opts.quiet ? undefined : plainProgress({ write: io.err }, { quiet: opts.quiet });
  return { kind: listener ? 'plain' : 'none', ...(listener ? { listener } : {}), print: io.err, close: () => {} };
}
