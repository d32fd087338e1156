/**
 * `--pattern reflect`: a producer writes; a reviewer scores the result with its structured
 * output (the built-in review agent's submit_review).
 * Below the threshold, the feedback goes back to the same producer through its mailbox and
 * it revises; each new draft goes to the same reviewer through its mailbox. Both workers
 * stay alive across rounds (persistent), so the loop is visible in their mailboxes. If the
 * threshold is never reached, the session ends `needs_human` with the last review.
 */
import type { Plan } from '../coordinator/plan.js';
import { FINAL_ANSWER_TOOL } from '../agents/schema.js';
import type { PatternContext, PatternDriver } from './types.js';

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

/** The reviewer's structured-output tool, as its definition names it. */
function outputToolName(ctx: PatternContext, reviewer: string): string {
  const def = ctx.agents.find((a) => a.name === reviewer);
  return def?.outputTool ?? FINAL_ANSWER_TOOL;
}

export function reflectPattern(): PatternDriver {
  let lastDraft = '';
  let lastReview: Review | undefined;
  let submitTool = 'submit_review';
  return {
    name: 'reflect',
    async plan(ctx) {
      const { producer, reviewer } = ctx.record.options;
      submitTool = outputToolName(ctx, reviewer);
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
        rationale: `produce, review, revise until the score reaches ${ctx.record.options.threshold} (at most ${ctx.record.options.maxRounds} rounds)`,
      };
      await ctx.decide('plan', plan.rationale!, {});
      return { plan, extras: { produce: { persistent: true }, review: { persistent: true } } };
    },
    async onResult(ctx, result, api) {
      const { threshold, maxRounds } = ctx.record.options;
      if (result.subtask === 'produce') {
        lastDraft = result.output;
        // Round 1 reaches the reviewer as its input; later drafts go to its mailbox.
        if (result.round > 1) await api.send(api.agentOf('review'), `Here is the revised draft (round ${result.round}). Review it again and call ${submitTool}.\n\n<draft>\n${result.output}\n</draft>`);
        return true;
      }
      const review = readReview(result.structured, result.output);
      lastReview = review;
      const round = result.round;
      await ctx.decide('review', `round ${round}: score ${review.score} against threshold ${threshold}`, { round, score: review.score });
      if (review.score >= threshold) {
        api.finishWith('completed', `${lastDraft.trim()}\n\n---\nAccepted after ${round} round(s): review score ${review.score} (threshold ${threshold}).`);
        return false;
      }
      if (round >= maxRounds) {
        const reason = `the review score stayed below ${threshold} after ${round} round(s) (last: ${review.score}); a human should decide`;
        api.finishWith('needs_human', `${lastDraft.trim()}\n\n---\nNOT accepted: ${reason}.\nLast review: ${JSON.stringify(lastReview)}`, reason, { review: lastReview });
        return false;
      }
      await api.send(api.agentOf('produce'), feedbackText(review, round, threshold));
      return true;
    },
    async finish() {
      // Only reached if both workers ended without a verdict (e.g. the producer failed).
      return { text: lastDraft, status: 'failed', reason: 'the reflect loop ended without a verdict' };
    },
  };
}
