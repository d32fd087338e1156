/**
 * `--pattern debate`: N debaters take the same problem in parallel, each optionally on its
 * own model; a synthesizer reconciles them and says, by name, what they agreed and
 * disagreed on.
 */
import { synthesizeAnswer } from '../calls/synthesis.js';
import type { Plan } from '../contracts/plan.js';
import { DebateOptionsSchema } from '../contracts/patterns.js';
import type { PatternDefinition, SubtaskExtras } from './types.js';

export const DEBATE_SYSTEM_PROMPT = [
  'You are the moderator of a debate between workers who answered the same question independently.',
  'Reconcile their answers. Your answer must have these sections:',
  '"## Agreed" (points at least two debaters make, naming who), "## Disagreed" (points where they differ or only one makes, naming who said what),',
  'and "## Conclusion" (your reconciled answer, saying which side you take and why).',
].join('\n');

export const debatePattern: PatternDefinition<typeof DebateOptionsSchema> = {
  name: 'debate',
  optionsSchema: DebateOptionsSchema,
  create: ({ debaters: n, models, agents: debaterAgents }) => ({
    name: 'debate',
    async plan(ctx) {
      const extras: Record<string, SubtaskExtras> = {};
      const agents = debaterAgents.length > 0 ? debaterAgents : ['research'];
      const plan: Plan = {
        subtasks: Array.from({ length: n }, (_, i) => {
          const id = `debater-${i + 1}`;
          const model = models.length > 0 ? models[i % models.length] : undefined;
          if (model) extras[id] = { model };
          return {
            id,
            role: agents[i % agents.length]!,
            description: ctx.record.task,
            context: 'You are one of several debaters answering this independently. Give your answer with your reasons and sources; a moderator will compare the answers.',
            dependsOn: [],
            required: false,
          };
        }),
        failurePolicy: { quorum: Math.min(2, n) },
        rationale: `${n} debaters${models.length ? ` on ${models.join(', ')}` : ''}`,
      };
      await ctx.decide('plan', `debate among ${n} workers`, { models });
      return { plan, extras };
    },
    async finish(ctx, outputs, failures) {
      const r = await synthesizeAnswer(ctx.model, ctx.record.models.coordinator, ctx.record.task, outputs, failures, {
        signal: ctx.signal,
        purpose: 'debate',
        system: DEBATE_SYSTEM_PROMPT,
      });
      ctx.addCall(r.model, r.usage, r.calls);
      return { text: r.text };
    },
  }),
};
