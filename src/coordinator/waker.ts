/**
 * The coordinator's main loop sleeps until something happens (a message, a worker's exit,
 * a stop) or a timeout passes. One pending sleep at a time; wake() ends it early.
 */
export class Waker {
  private resolve: (() => void) | undefined;

  wake(): void {
    const r = this.resolve;
    this.resolve = undefined;
    r?.();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = undefined;
        resolve();
      }, ms);
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
