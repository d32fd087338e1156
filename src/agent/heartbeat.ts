/**
 * Liveness: touches the agent's `heartbeat` file on a timer. The coordinator reads its
 * mtime; a stale one means the process is stuck or gone.
 */
import fs from 'node:fs';

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private written = false;

  constructor(
    readonly file: string,
    readonly intervalMs: number,
  ) {}

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    // The heartbeat alone must not keep a finished worker alive.
    this.timer.unref();
  }

  beat(): void {
    // The first beat writes the (empty) file: a fresh agent has none, and a utimes that
    // throws ENOENT costs a starting worker about 0.1 ms (an Error with its stack).
    if (!this.written) {
      fs.writeFileSync(this.file, '');
      this.written = true;
      return;
    }
    const now = new Date();
    try {
      fs.utimesSync(this.file, now, now);
    } catch {
      fs.writeFileSync(this.file, '');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Milliseconds since the heartbeat file was last touched, or undefined if it has none. */
export function heartbeatAge(file: string, now = Date.now()): number | undefined {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return st ? now - st.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}
