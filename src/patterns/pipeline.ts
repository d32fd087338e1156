/**
 * `--pattern pipeline`: a fixed sequence of stages, driven by plain code. Each stage is a
 * worker that receives every earlier stage's output; the answer is the last producing
 * stage's output, with the review (if any) after it. No model decides anything here.
 */
import type { Plan } from '../contracts/plan.js';
import { PipelineOptionsSchema } from '../contracts/patterns.js';
import type { PatternDefinition } from './types.js';

const STAGE_TASKS: Record<string, string> = {
  research: 'Research the task and report what your sources say, citing each one.',
  analysis: 'Analyse the material from the earlier stages: figures, comparisons, what stands out.',
  writing: 'Write the deliverable the task asks for, from the earlier stages\' material.',
  review: 'Review the deliverable from the earlier stages against the task, with a score and feedback per criterion.',
};

/** A stage that is not one of the built-in agents: its own definition says what it does. */
const OTHER_STAGE = "Do your part of the task, using the earlier stages' material.";

export const pipelinePattern: PatternDefinition<typeof PipelineOptionsSchema> = {
  name: 'pipeline',
  optionsSchema: PipelineOptionsSchema,
  create: ({ stages }) => ({
    name: 'pipeline',
    async plan(ctx) {
      const ids = stages.map((role, i) => `stage-${i + 1}-${role}`);
      const plan: Plan = {
        subtasks: stages.map((role, i) => ({
          id: ids[i]!,
          role,
          description: ctx.record.task,
          context: `You are stage ${i + 1} of ${stages.length} (${stages.join(' -> ')}). ${STAGE_TASKS[role] ?? OTHER_STAGE}`,
          dependsOn: ids.slice(0, i),
          required: true,
        })),
        failurePolicy: 'all',
        rationale: `fixed pipeline: ${stages.join(' -> ')}`,
      };
      await ctx.decide('plan', 'fixed pipeline, no model call', { stages });
      return { plan };
    },
    async finish(_ctx, outputs) {
      const review = outputs.filter((o) => o.role === 'review').at(-1);
      const main = [...outputs].reverse().find((o) => o.role !== 'review') ?? outputs.at(-1);
      const lines = [main?.output.trim() ?? ''];
      if (review && review !== main) lines.push('', '---', `Review (${review.agent}):`, review.output.trim());
      lines.push('', `_Pipeline: ${outputs.map((o) => `${o.subtask} by ${o.agent}`).join(' -> ')}_`);
      return { text: lines.join('\n') };
    },
  }),
};
