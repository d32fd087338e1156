/**
 * The envelope rules both transports share, stated once: building a valid envelope for a
 * sender (and its text, serialized once), and deciding whether a received text is a
 * message this mailbox may handle (with the one-line reason when not). The Maildir sender
 * and reader and the redis ones all go through these.
 */
import { newId } from '../util/ids.js';
import type { z } from 'zod/mini';
import { InvalidEnvelopeError, describeError } from '../errors.js';
import { ENVELOPE_VERSION, EnvelopeSchema, type BodyOf, type Envelope, type EnvelopeOf, type MessageType } from '../contracts/envelope.js';

/** Per-message options of a send (MailboxSender.send, and the redis sender's). */
export interface SendOptions {
  /** Resend with the id of an earlier attempt, so the reader can deduplicate. Default: a new id (util/ids.ts). */
  id?: string;
  replyTo?: string;
  /** Overrides the sender's fsync policy for this message. */
  fsync?: boolean;
}

export interface BuildEnvelopeInput<T extends MessageType> {
  sessionId: string;
  from: string;
  to: string;
  type: T;
  body: BodyOf<T>;
  seq: number;
  sentAt: number;
  epoch?: number;
  opts: SendOptions;
}

/** The first issue of a failed parse as `path: message` (the root as `(root)`). */
function firstIssue(error: z.core.$ZodError): { where: string; message: string } {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return { where, message: issue?.message ?? 'invalid' };
}

/**
 * A validated envelope (defaults applied), or InvalidEnvelopeError naming the field. The
 * one schema parse of a send: it runs before anything touches a disk or a server, so a bad
 * envelope (or a `to` that is not a safe agent id) never reaches a path.
 */
export function buildEnvelope<T extends MessageType>(input: BuildEnvelopeInput<T>): EnvelopeOf<T> {
  const { opts } = input;
  const candidate = {
    v: ENVELOPE_VERSION,
    id: opts.id ?? newId(),
    session: input.sessionId,
    from: input.from,
    to: input.to,
    type: input.type,
    seq: input.seq,
    sentAt: input.sentAt,
    ...(opts.replyTo !== undefined ? { replyTo: opts.replyTo } : {}),
    ...(input.epoch !== undefined ? { epoch: input.epoch } : {}),
    body: input.body,
  };
  const parsed = EnvelopeSchema.safeParse(candidate);
  if (!parsed.success) {
    const { where, message } = firstIssue(parsed.error);
    throw new InvalidEnvelopeError(`refusing to send ${input.type} to ${input.to}: ${where}: ${message}`, { cause: parsed.error });
  }
  return parsed.data as EnvelopeOf<T>;
}

/**
 * The envelope's text, serialized once, or InvalidEnvelopeError when it is over `maxBytes`
 * (a reader would dead-letter it). `pretty`: indented, for files people read.
 */
export function serializeEnvelope(env: Envelope, maxBytes: number, pretty = false): string {
  const text = pretty ? JSON.stringify(env, null, 2) + '\n' : JSON.stringify(env);
  // UTF-8 is at most 3 bytes per UTF-16 unit: only a text that could be over the limit is measured.
  const size = text.length * 3 <= maxBytes ? text.length : Buffer.byteLength(text);
  if (size > maxBytes) throw new InvalidEnvelopeError(`refusing to send ${env.type} to ${env.to}: ${size} bytes is over the ${maxBytes}-byte message limit`);
  return text;
}

export interface CheckContext {
  sessionId: string;
  agentId: string;
  maxBytes: number;
  minEpoch?: number;
}

export type CheckResult = { ok: true; env: Envelope } | { ok: false; reason: string };

/** Size, JSON, schema, session, recipient and epoch, in that order; the first failure is the reason. */
export function checkEnvelopeText(text: string, ctx: CheckContext): CheckResult {
  if (text.length * 3 > ctx.maxBytes) {
    const size = Buffer.byteLength(text);
    if (size > ctx.maxBytes) return { ok: false, reason: `too large: ${size} bytes > limit ${ctx.maxBytes}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${describeError(err)}` };
  }
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const { where, message } = firstIssue(parsed.error);
    return { ok: false, reason: `envelope fails its schema at ${where}: ${message}` };
  }
  const env = parsed.data;
  if (env.session !== ctx.sessionId) return { ok: false, reason: `belongs to session ${env.session}, not ${ctx.sessionId}` };
  if (env.to !== ctx.agentId) return { ok: false, reason: `addressed to ${env.to}, not ${ctx.agentId}` };
  if (ctx.minEpoch !== undefined && env.epoch !== undefined && env.epoch < ctx.minEpoch) {
    return { ok: false, reason: `stale epoch ${env.epoch} < current epoch ${ctx.minEpoch} (sent by an older coordinator)` };
  }
  return { ok: true, env };
}
