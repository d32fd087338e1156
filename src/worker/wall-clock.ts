/**
 * An attempt's wall clock, which stops while the worker waits for a person: a person who
 * takes an hour to approve a call does not use up the attempt's time.
 */
export class WallClock {
  private timer: NodeJS.Timeout | undefined;
  private remainingMs: number;
  private runningSince: number | undefined;
  private paused = 0;

  constructor(
    limitMs: number,
    private readonly onExpire: () => void,
  ) {
    this.remainingMs = limitMs;
  }

  start(): void {
    this.runningSince = Date.now();
    this.timer = setTimeout(this.onExpire, this.remainingMs);
    this.timer.unref();
  }

  /** Stops the clock (nested pauses need as many resumes). */
  pause(): void {
    if (this.paused++ > 0 || this.runningSince === undefined) return;
    clearTimeout(this.timer);
    this.remainingMs = Math.max(0, this.remainingMs - (Date.now() - this.runningSince));
    this.runningSince = undefined;
  }

  resume(): void {
    if (this.paused === 0 || --this.paused > 0) return;
    this.start();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.runningSince = undefined;
  }
}
