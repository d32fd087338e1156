/**
 * Actions from the page, each through the same library function as the CLI command that
 * does the same thing. One endpoint takes them all (`POST /api/sessions/:id/actions` with
 * `{ action, ... }`): kill, and the replies to people's requests (approve, deny, answer).
 */
import { z } from 'zod';
import { killSession, type KillOutcome } from '../coordinator/control.js';
import { AgentIdSchema } from '../contracts/envelope.js';
import type { SessionRef } from '../inspect/session-data.js';
import { respond } from '../people/respond.js';
import type { ReplyRecord } from '../people/store.js';

/** A request id as `respond` takes it (the message id of the request). */
const RequestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a request id');

export const ActionSchema = z.discriminatedUnion('action', [
  /** `mailroom kill <session> [agent]`: the termination ladder for one worker or the whole session. */
  z.object({ action: z.literal('kill'), agent: z.optional(AgentIdSchema), reason: z.string().max(500).optional() }),
  /** `mailroom approve <session> <request> [--note]`. */
  z.object({ action: z.literal('approve'), request: RequestIdSchema, note: z.string().max(20_000).optional() }),
  /** `mailroom deny <session> <request> --reason`. */
  z.object({ action: z.literal('deny'), request: RequestIdSchema, reason: z.string().trim().min(1, 'a denial needs a reason').max(20_000) }),
  /** `mailroom answer <session> <request> <text>`. */
  z.object({ action: z.literal('answer'), request: RequestIdSchema, text: z.string().trim().min(1, 'an answer needs its text').max(100_000) }),
]);
export type Action = z.infer<typeof ActionSchema>;

export type ActionOutcome = { action: 'kill'; outcome: KillOutcome } | { action: 'approve' | 'deny' | 'answer'; request: string; reply: ReplyRecord };

/** Carries out one validated action on a session. */
export async function runAction(ref: SessionRef, action: Action): Promise<ActionOutcome> {
  const replyVia = ref.redisUrl ? { redisUrl: ref.redisUrl } : {};
  switch (action.action) {
    case 'kill': {
      const outcome = await killSession(ref.id, action.agent, {
        runtimeDir: ref.runtimeDir,
        ...(ref.redisUrl ? { redisUrl: ref.redisUrl } : {}),
        reason: action.reason ?? `requested from the viewer${action.agent ? ` for ${action.agent}` : ''}`,
      });
      return { action: 'kill', outcome };
    }
    // The same call as the CLI's approve, deny and answer: one reply, refused if already answered.
    case 'approve':
      return { action: 'approve', request: action.request, reply: (await respond(ref.dir, action.request, { kind: 'approval', ...(action.note ? { note: action.note } : {}) }, replyVia)).reply };
    case 'deny':
      return { action: 'deny', request: action.request, reply: (await respond(ref.dir, action.request, { kind: 'denial', reason: action.reason }, replyVia)).reply };
    case 'answer':
      return { action: 'answer', request: action.request, reply: (await respond(ref.dir, action.request, { kind: 'answer', text: action.text }, replyVia)).reply };
  }
}
