/**
 * Handler retries: a message whose handler threw stays in new/ and is tried again on a
 * later pass, with exponential backoff, until it succeeds or has used its attempts. Only a
 * BadMessageError (the handler saying the message itself is bad) goes to dead/ at once.
 */
import { describeError } from '../errors.js';

export interface HandlerRetryOptions {
  /** Attempts before a failing message goes to dead/. Default 5; 1 = no retry. */
  maxAttempts?: number;
  /** Wait before the second attempt; doubles each time. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest wait between attempts. Default 30000 ms. */
  maxDelayMs?: number;
}

/** One message waiting for its next attempt. */
interface Pending {
  attempts: number;
  nextAt: number;
}

/** What to do after a handler failure. */
export type FailureVerdict = { dead: true; reason: string } | { dead: false; attempts: number; retryInMs: number };

/** True for an error that says the message itself is bad (by code, so it also holds across module copies). */
export function isBadMessage(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'E_BAD_MESSAGE';
}

/** The attempts of the messages whose handler failed, by file name. In memory: a restart starts them over. */
export class RetryBook {
  private readonly pending = new Map<string, Pending>();
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: HandlerRetryOptions = {}) {
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.baseDelayMs = Math.max(0, opts.baseDelayMs ?? 500);
    this.maxDelayMs = Math.max(this.baseDelayMs, opts.maxDelayMs ?? 30_000);
  }

  /** True while the file waits out its backoff. */
  waiting(name: string, now = Date.now()): boolean {
    const p = this.pending.get(name);
    return p !== undefined && p.nextAt > now;
  }

  /** Records a failed attempt and says whether the file is now dead. */
  failed(name: string, err: unknown, now = Date.now()): FailureVerdict {
    const attempts = (this.pending.get(name)?.attempts ?? 0) + 1;
    if (isBadMessage(err)) {
      this.pending.delete(name);
      return { dead: true, reason: `handler rejected the message as bad (attempt ${attempts}): ${describeError(err)}` };
    }
    if (attempts >= this.maxAttempts) {
      this.pending.delete(name);
      return { dead: true, reason: `handler failed ${attempts} of ${this.maxAttempts} attempts; last error: ${describeError(err)}` };
    }
    const retryInMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempts - 1));
    this.pending.set(name, { attempts, nextAt: now + retryInMs });
    return { dead: false, attempts, retryInMs };
  }

  /** The file is done with (handled, dead, or gone). */
  forget(name: string): void {
    this.pending.delete(name);
  }

  /** Drops files no longer in new/ (someone else moved them), so the book cannot grow for ever. */
  keepOnly(names: ReadonlySet<string>): void {
    for (const name of this.pending.keys()) if (!names.has(name)) this.pending.delete(name);
  }

  /** When the earliest waiting file is due, or undefined when none waits. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const p of this.pending.values()) if (next === undefined || p.nextAt < next) next = p.nextAt;
    return next;
  }
}
