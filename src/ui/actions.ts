/**
 * Actions from the page, each through the same library function as the CLI command that
 * does the same thing. One endpoint takes them all (`POST /api/sessions/:id/actions` with
 * `{ action, ... }`), so approvals and answers to people's requests plug in as new cases.
 */
import { z } from 'zod';
import { killSession, type KillOutcome } from '../coordinator/control.js';
import { AgentIdSchema } from '../contracts/envelope.js';
import type { SessionRef } from '../inspect/session-data.js';

export const ActionSchema = z.discriminatedUnion('action', [
  /** `mailroom kill <session> [agent]`: the termination ladder for one worker or the whole session. */
  z.object({ action: z.literal('kill'), agent: AgentIdSchema.optional(), reason: z.string().max(500).optional() }),
  // Planned with the human-in-the-loop work: { action: 'approve' | 'deny', request: <message id>, note? }
  // and { action: 'answer', request, text }, each sending the reply message through the same
  // library function as the CLI's command for it.
]);
export type Action = z.infer<typeof ActionSchema>;

export type ActionOutcome = { action: 'kill'; outcome: KillOutcome };

/** Carries out one validated action on a session. */
export async function runAction(ref: SessionRef, action: Action): Promise<ActionOutcome> {
  switch (action.action) {
    case 'kill': {
      const outcome = await killSession(ref.id, action.agent, {
        runtimeDir: ref.runtimeDir,
        reason: action.reason ?? `requested from the viewer${action.agent ? ` for ${action.agent}` : ''}`,
      });
      return { action: 'kill', outcome };
    }
  }
}
