/**
 * A worker's waits for people: a tool call that needs approval, and `ask_human`. The
 * request goes to the session's `human` mailbox under an id derived from what is asked
 * (so a respawn continuing the same call asks under the same id); the reply comes back as
 * a message, and is also on disk (agents/human/replies/), so a reply the worker missed
 * (it was down) is found. While it waits, the heartbeat goes on and the wall clock stops;
 * the wait has no end unless `--approval-timeout` is set, which then counts as a denial.
 */
import type { Envelope } from '../contracts/envelope.js';
import { RequestAnsweredError, RequestNotFoundError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { TransportSender } from '../mailbox/transport.js';
import type { ToolUseBlock } from '../model/types.js';
import { needsApproval, summarizeCall } from '../people/rules.js';
import { respond } from '../people/respond.js';
import { hasRequest, readReply, requestId, type ReplyRecord } from '../people/store.js';
import { AWAITING_PERSON_NOTE, type Transcript } from '../agent/transcript.js';
import { COORDINATOR_ID, HUMAN_ID } from '../session/layout.js';
import type { WallClock } from './wall-clock.js';

export interface PeopleOptions {
  sessionDir: string;
  agentId: string;
  subtask: string;
  attempt: number;
  sender: TransportSender;
  transcript: Transcript;
  logger: Logger;
  signal: AbortSignal;
  wallClock: WallClock;
  /** The agent definition's `approval` field. */
  approval: unknown;
  requireApproval: string[];
  approveAll: boolean;
  approvalTimeoutMs?: number;
  outputTool?: string;
}

/** How often a waiting worker also looks for its reply file (a reply whose message it missed). */
const REPLY_POLL_MS = 1_000;

export class PeopleWaits {
  private readonly waiters = new Map<string, () => void>();
  /**
   * Replies as their messages brought them. The reply file is next to the request, on the
   * coordinator's machine: a worker on a worker host has only the message.
   */
  private readonly delivered = new Map<string, ReplyRecord>();

  constructor(private readonly o: PeopleOptions) {}

  /** The mailbox handler's part: a reply from a person wakes the call waiting for it. */
  deliver(env: Envelope): boolean {
    if (env.type !== 'approval' && env.type !== 'denial' && env.type !== 'answer') return false;
    if (!env.replyTo) return true;
    const text = env.type === 'approval' ? env.body.note : env.type === 'denial' ? env.body.reason : env.body.text;
    this.delivered.set(env.replyTo, { v: 1, requestId: env.replyTo, kind: env.type, to: env.to, at: new Date(env.sentAt).toISOString(), ...(text !== undefined ? { text } : {}) });
    this.waiters.get(env.replyTo)?.();
    return true;
  }

  private replyFor(id: string): ReplyRecord | undefined {
    return this.delivered.get(id) ?? readReply(this.o.sessionDir, id);
  }

  /** The agent loop's gate: calls that need approval wait for a person's reply. */
  async approve(block: ToolUseBlock): Promise<{ ok: true } | { ok: false; reason: string }> {
    const o = this.o;
    if (!needsApproval(block.name, o.approval, o, o.outputTool)) return { ok: true };
    const id = requestId(o.agentId, 'tool', block.id);
    const summary = summarizeCall(block.name, block.input);
    const reply = await this.waitFor(id, `${block.name} (${block.id})`, o.approvalTimeoutMs, async () => {
      await o.sender.send(HUMAN_ID, 'approval_request', { subtask: o.subtask, attempt: o.attempt, agent: o.agentId, tool: block.name, toolUseId: block.id, input: block.input, summary }, { id, fsync: true });
    });
    if (reply.kind === 'approval') {
      o.logger.info({ request: id, tool: block.name }, 'tool call approved');
      return { ok: true };
    }
    o.logger.info({ request: id, tool: block.name, reason: reply.text }, 'tool call denied');
    return { ok: false, reason: reply.text ?? 'no reason given' };
  }

  /** `ask_human`: the person's answer, or undefined if the wait ended without one. */
  async ask(question: string): Promise<string | undefined> {
    const o = this.o;
    const id = requestId(o.agentId, 'ask_human', question);
    // A question waits for its answer without a limit: only approvals time out.
    const reply = await this.waitFor(id, 'ask_human', undefined, async () => {
      await o.sender.send(HUMAN_ID, 'question', { subtask: o.subtask, question, origin: 'ask_human', agent: o.agentId }, { id, fsync: true });
    });
    return reply.kind === 'answer' ? reply.text : undefined;
  }

  /** Sends the request (unless it is already there), then waits for its reply; the wall clock stops meanwhile. */
  private async waitFor(id: string, what: string, timeoutMs: number | undefined, send: () => Promise<void>): Promise<ReplyRecord> {
    const o = this.o;
    const earlier = this.replyFor(id);
    if (earlier) return earlier;
    // Noted before the request goes out: a respawn after this point continues the same call.
    o.transcript.note(`${AWAITING_PERSON_NOTE}${id} for ${what}`);
    if (!(await hasRequest(o.sessionDir, id))) await send();
    o.logger.info({ request: id, what }, 'waiting for a person');
    o.wallClock.pause();
    try {
      return await this.reply(id, timeoutMs);
    } finally {
      o.wallClock.resume();
    }
  }

  private reply(id: string, timeoutMs: number | undefined): Promise<ReplyRecord> {
    const o = this.o;
    const deadline = timeoutMs !== undefined ? Date.now() + timeoutMs : undefined;
    return new Promise<ReplyRecord>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(id);
        o.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(o.signal.reason instanceof Error ? o.signal.reason : new Error(describeError(o.signal.reason)));
      };
      const check = () => {
        const r = this.replyFor(id);
        if (r) {
          done();
          resolve(r);
          return;
        }
        if (deadline !== undefined && Date.now() >= deadline) {
          done();
          this.timedOut(id).then(resolve, reject);
          return;
        }
        timer = setTimeout(check, Math.min(REPLY_POLL_MS, deadline !== undefined ? Math.max(1, deadline - Date.now()) : REPLY_POLL_MS));
      };
      this.waiters.set(id, () => {
        clearTimeout(timer);
        check();
      });
      o.signal.addEventListener('abort', onAbort, { once: true });
      if (o.signal.aborted) onAbort();
      else check();
    });
  }

  /** The wait ran out: recorded as a denial, like a person's, unless a person answered first. */
  private async timedOut(id: string): Promise<ReplyRecord> {
    const reason = `no reply within ${this.o.approvalTimeoutMs} ms (--approval-timeout), so it counts as a denial`;
    try {
      return (await respond(this.o.sessionDir, id, { kind: 'denial', reason })).reply;
    } catch (err) {
      const r = err instanceof RequestAnsweredError ? this.replyFor(id) : undefined;
      if (r) return r;
      // On a worker host the request is filed on the coordinator's machine, not here: the
      // timeout still denies the call, though the request stays open for people there.
      if (err instanceof RequestNotFoundError) {
        this.o.logger.warn({ request: id }, 'approval timed out; the request is not in this session copy, so it stays open where it was filed');
        return { v: 1, requestId: id, kind: 'denial', text: reason, to: this.o.agentId, at: new Date().toISOString() };
      }
      throw err;
    }
  }
}

/** Whether the coordinator handed this `ask_coordinator` question to a person (then its answer may take long). */
export function forwardedToPerson(sessionDir: string, questionId: string): Promise<boolean> {
  return hasRequest(sessionDir, requestId(COORDINATOR_ID, 'consult', questionId));
}
