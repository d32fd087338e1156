/** The default pattern: the coordinator's model plans, and a model call synthesizes. */
import { planTask } from '../calls/planning.js';
import { synthesizeAnswer } from '../calls/synthesis.js';
import { CoordinatorOptionsSchema } from '../contracts/patterns.js';
import type { PatternDefinition } from './types.js';

export const coordinatorPattern: PatternDefinition<typeof CoordinatorOptionsSchema> = {
  name: 'coordinator',
  optionsSchema: CoordinatorOptionsSchema,
  create: () => ({
    name: 'coordinator',
    async plan(ctx) {
      const { plan, calls } = await planTask(ctx.model, ctx.record.models.coordinator, ctx.record.task, { signal: ctx.signal, agents: ctx.agents });
      for (const c of calls) ctx.addCall(c.model, c.usage);
      if (plan.rationale) await ctx.decide('plan', plan.rationale, { subtasks: plan.subtasks.map((s) => s.id) });
      return { plan };
    },
    async finish(ctx, outputs, failures) {
      const r = await synthesizeAnswer(ctx.model, ctx.record.models.coordinator, ctx.record.task, outputs, failures, { signal: ctx.signal });
      ctx.addCall(r.model, r.usage, r.calls);
      return { text: r.text };
    },
  }),
};
