/**
 * A coordinator whose own log cannot be written (a full disk, above all) stops its
 * session: the journal and the state files live on the same disk, so carrying on would
 * only fail later and less clearly. The session ends `interrupted` (where session.json can
 * still be written), with the cause in one line on stderr, and can be resumed once there is
 * room again.
 */
import type { LogWriteError } from '../errors.js';
import type { EventBus } from './events.js';

export class LogFailureStop {
  private readonly controller = new AbortController();
  private bus: EventBus | undefined;
  private sessionId = '';
  private announced = false;

  /** The log's first failed write. */
  fail(err: LogWriteError): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(err);
    this.announce();
  }

  /** Where to say it (once the session's event bus exists). */
  announceOn(bus: EventBus, sessionId: string): void {
    this.bus = bus;
    this.sessionId = sessionId;
    if (this.controller.signal.aborted) this.announce();
  }

  /** The session's stop signal: the caller's (Ctrl-C), or this one, whichever comes first. */
  signal(caller: AbortSignal | undefined): AbortSignal {
    return caller ? AbortSignal.any([caller, this.controller.signal]) : this.controller.signal;
  }

  private announce(): void {
    if (this.announced || !this.bus) return;
    this.announced = true;
    const err = this.controller.signal.reason as LogWriteError;
    this.bus.emit({ type: 'notice', message: `${err.message}: stopping the session; free some space, then run: mailroom --resume ${this.sessionId}` });
  }
}
