/**
 * Liveness: touches the agent's `heartbeat` file on a timer. The coordinator reads its
 * mtime; a stale one means the process is stuck or gone.
 */
import fs from 'node:fs';

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;

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
    return now - fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
