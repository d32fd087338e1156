/**
 * `--pattern reflect`: a producer writes; a reviewer scores the result with its structured
 * output (the built-in review agent's submit_review).
 * Below the threshold, the feedback goes back to the same producer through its mailbox and
 * it revises; each new draft goes to the same reviewer through its mailbox. Both workers
 * stay alive across rounds (persistent), so the loop is visible in their mailboxes. If the
 * threshold is not reached in `maxRounds`, a person is asked (the session's `human`
 * mailbox): their feedback starts another round, `accept` takes the draft as it is. With
 * `--no-human` the session ends `needs_human` with the last review instead.
 */
import type { Plan } from '../contracts/plan.js';
import { ReflectOptionsSchema, type ReflectOptions } from '../contracts/patterns.js';
import { FINAL_ANSWER_TOOL } from '../agents/schema.js';
import type { PatternContext, PatternDefinition, PatternDriver } from './types.js';

/** The reviewer's structured-output tool, as its definition names it. */
function outputToolName(ctx: PatternContext, reviewer: string): string {
  const def = ctx.agents.find((a) => a.name === reviewer);
  return def?.outputTool ?? FINAL_ANSWER_TOOL;
}

interface Review {
  score: number;
  summary?: string;
  criteria?: Array<{ name: string; score: number; feedback: string }>;
}

/** The reviewer's structured review, or a zero score carrying its prose as feedback. */
export function readReview(structured: unknown, output: string): Review {
  const r = structured as Partial<Review> | undefined;
  if (r && typeof r.score === 'number') return { score: r.score, summary: r.summary, criteria: r.criteria };
  return { score: 0, summary: `no structured review was submitted: ${output.slice(0, 500)}` };
}

function feedbackText(review: Review, round: number, threshold: number): string {
  const lines = [`Review of your draft (round ${round}): score ${review.score} (needed: ${threshold}).`];
  if (review.summary) lines.push(review.summary);
  for (const c of review.criteria ?? []) lines.push(`- ${c.name} (${c.score}): ${c.feedback}`);
  lines.push('Revise the document to address this feedback, save it, and answer with the full revised document.');
  return lines.join('\n');
}

/**
 * The loop's state, journaled after each result so that a resumed session continues the
 * round it was in: the last draft, and the last review with its round.
 */
interface ReflectState {
  draft?: string;
  draftRound?: number;
  review?: Review;
  reviewRound?: number;
  /** The open question to a person (its request id), asked when the rounds ran out. */
  asked?: string;
  /** Rounds a person granted beyond maxRounds (one per feedback). */
  extraRounds?: number;
}

const stateOf = (raw: Record<string, unknown> | undefined): ReflectState => (raw ?? {}) as ReflectState;

export const reflectPattern: PatternDefinition<typeof ReflectOptionsSchema> = {
  name: 'reflect',
  optionsSchema: ReflectOptionsSchema,
  create: (options) => reflectDriver(options),
};

function reflectDriver({ threshold, maxRounds, producer, reviewer }: ReflectOptions): PatternDriver {
  return {
    name: 'reflect',
    async plan(ctx) {
      const submitTool = outputToolName(ctx, reviewer);
      const plan: Plan = {
        subtasks: [
          { id: 'produce', role: producer, description: ctx.record.task, dependsOn: [], required: true },
          {
            id: 'review',
            role: reviewer,
            description: `Review the draft in your input against this task, then call ${submitTool} with a score from 0 to 1 and feedback per criterion.\n\nThe task: ${ctx.record.task}`,
            dependsOn: ['produce'],
            required: true,
          },
        ],
        failurePolicy: 'all',
        rationale: `produce, review, revise until the score reaches ${threshold} (at most ${maxRounds} rounds)`,
      };
      await ctx.decide('plan', plan.rationale!, {});
      return { plan, extras: { produce: { persistent: true }, review: { persistent: true } } };
    },
    async onResult(ctx, result, api) {
      const st = stateOf(ctx.state());
      if (result.subtask === 'produce') {
        await ctx.saveState({ ...st, draft: result.output, draftRound: result.round });
        // Round 1 reaches the reviewer as its input; later drafts go to its mailbox.
        if (result.round > 1) {
          await api.send(api.agentOf('review'), `Here is the revised draft (round ${result.round}). Review it again and call ${outputToolName(ctx, reviewer)}.\n\n<draft>\n${result.output}\n</draft>`, `reflect-draft-${result.round}`);
        }
        return true;
      }
      const review = readReview(result.structured, result.output);
      const round = result.round;
      await ctx.saveState({ ...st, review, reviewRound: round });
      const lastDraft = st.draft ?? '';
      await ctx.decide('review', `round ${round}: score ${review.score} against threshold ${threshold}`, { round, score: review.score });
      if (review.score >= threshold) {
        await api.finishWith('completed', `${lastDraft.trim()}\n\n---\nAccepted after ${round} round(s): review score ${review.score} (threshold ${threshold}).`);
        return false;
      }
      if (round >= maxRounds + (st.extraRounds ?? 0)) {
        const reason = `the review score stayed below ${threshold} after ${round} round(s) (last: ${review.score}); a human should decide`;
        const asked = await api.askHuman({
          key: `round-${round}`,
          subtask: 'produce',
          question: `${reason}. Reply with feedback for the writer to start another round, or "accept" to take the draft as it is.`,
          context: `Last draft:\n${lastDraft.trim()}\n\nLast review: ${JSON.stringify(review)}`,
        });
        if (asked !== undefined) {
          // Both workers stay: the person's feedback starts the next round.
          await ctx.saveState({ ...stateOf(ctx.state()), asked });
          return true;
        }
        await api.finishWith('needs_human', `${lastDraft.trim()}\n\n---\nNOT accepted: ${reason}.\nLast review: ${JSON.stringify(review)}`, reason, { review });
        return false;
      }
      await api.send(api.agentOf('produce'), feedbackText(review, round, threshold), `reflect-feedback-${round}`);
      return true;
    },
    async onAnswer(ctx, answer, api) {
      const st = stateOf(ctx.state());
      if (st.asked !== answer.request) return; // already handled (a repeat after a crash)
      const round = st.reviewRound ?? 1;
      if (/^\s*accept\b/i.test(answer.text)) {
        await api.finishWith('completed', `${(st.draft ?? '').trim()}\n\n---\nAccepted by a person after ${round} round(s) (last review score ${st.review?.score ?? '?'}, threshold ${threshold}).`);
        await ctx.saveState({ ...st, asked: undefined });
        return;
      }
      const feedback = `${st.review ? feedbackText(st.review, round, threshold) : ''}\n\nA person read your draft and says:\n<person-feedback>\n${answer.text}\n</person-feedback>`;
      // Sent before the state changes, under a fixed id: a repeat after a crash is deduplicated.
      await api.send(api.agentOf('produce'), feedback.trim(), `reflect-person-${answer.request}`);
      await ctx.saveState({ ...st, asked: undefined, extraRounds: (st.extraRounds ?? 0) + 1 });
    },
    respawnContext(ctx, subtask) {
      const st = stateOf(ctx.state());
      if (subtask === 'produce' && st.draft !== undefined && st.review && st.reviewRound === st.draftRound) {
        // Lost between rounds: the fresh producer revises the last draft against the last review.
        return `You are continuing a revision loop. Your draft of round ${st.draftRound}:\n<draft>\n${st.draft}\n</draft>\n\n${feedbackText(st.review, st.reviewRound!, threshold)}`;
      }
      return undefined;
    },
    canRespawn(ctx, subtask) {
      const st = stateOf(ctx.state());
      // The reviewer has work only when there is a draft it has not reviewed; the producer
      // only when its last draft has been reviewed (or it has none yet).
      if (subtask === 'review') return st.draftRound !== undefined && (st.reviewRound ?? 0) < st.draftRound;
      return st.draftRound === undefined || st.reviewRound === st.draftRound;
    },
    async finish(ctx) {
      // Only reached if both workers ended without a verdict (e.g. the producer failed).
      return { text: stateOf(ctx.state()).draft ?? '', status: 'failed', reason: 'the reflect loop ended without a verdict' };
    },
  };
}
