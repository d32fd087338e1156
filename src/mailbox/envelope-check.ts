/**
 * Transport-neutral envelope checks: building a valid envelope for a sender, and deciding
 * whether a received text is a message this mailbox may handle (with the one-line reason
 * when not). The redis transport uses these; they state the same rules as the Maildir reader.
 */
import { nanoid } from 'nanoid';
import { InvalidEnvelopeError, describeError } from '../errors.js';
import { ENVELOPE_VERSION, EnvelopeSchema, type BodyOf, type Envelope, type EnvelopeOf, type MessageType } from '../contracts/envelope.js';
import type { SendOptions } from './send.js';

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

/** A validated envelope, or InvalidEnvelopeError naming the field. */
export function buildEnvelope<T extends MessageType>(input: BuildEnvelopeInput<T>): EnvelopeOf<T> {
  const { opts } = input;
  const candidate = {
    v: ENVELOPE_VERSION,
    id: opts.id ?? nanoid(),
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
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    throw new InvalidEnvelopeError(`refusing to send ${input.type} to ${input.to}: ${where}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error });
  }
  return parsed.data as EnvelopeOf<T>;
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
  const size = Buffer.byteLength(text);
  if (size > ctx.maxBytes) return { ok: false, reason: `too large: ${size} bytes > limit ${ctx.maxBytes}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${describeError(err)}` };
  }
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return { ok: false, reason: `envelope fails its schema at ${where}: ${issue?.message ?? 'invalid'}` };
  }
  const env = parsed.data;
  if (env.session !== ctx.sessionId) return { ok: false, reason: `belongs to session ${env.session}, not ${ctx.sessionId}` };
  if (env.to !== ctx.agentId) return { ok: false, reason: `addressed to ${env.to}, not ${ctx.agentId}` };
  if (ctx.minEpoch !== undefined && env.epoch !== undefined && env.epoch < ctx.minEpoch) {
    return { ok: false, reason: `stale epoch ${env.epoch} < current epoch ${ctx.minEpoch} (sent by an older coordinator)` };
  }
  return { ok: true, env };
}
