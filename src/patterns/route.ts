/**
 * `--pattern route`: a classifier call on the small router model maps the task to one
 * specialist, an agent of the catalogue chosen by its description; an unknown category
 * goes to a generalist fallback agent (`route.fallback`, default research). The decision
 * and its reason are journaled.
 */
import { z } from 'zod';
import type { Plan } from '../contracts/plan.js';
import { textOf } from '../model/types.js';
import { COORDINATOR_ID } from '../session/layout.js';
import { agentList, type PlannerAgent } from '../prompts.js';
import { RouteOptionsSchema } from '../contracts/patterns.js';
import type { PatternContext, PatternDefinition } from './types.js';

/** The router's prompt: the specialists are the catalogue's agents, by their descriptions. */
export function routerSystemPrompt(agents: PlannerAgent[]): string {
  return [
    'You route a task to exactly one specialist. The specialists:',
    agentList(agents),
    `Answer with JSON only: {"category": "<${[...agents.map((a) => a.name), 'unknown'].join('|')}>", "reason": "<one sentence>"}.`,
    'Say "unknown" when none fits.',
  ].join('\n');
}

const ClassificationSchema = z.object({ category: z.string(), reason: z.string().default('') });

export const routePattern: PatternDefinition<typeof RouteOptionsSchema> = {
  name: 'route',
  optionsSchema: RouteOptionsSchema,
  create: ({ fallback }) => ({
    name: 'route',
    async plan(ctx) {
      // The decision is journaled as the pattern's state: a resumed session never asks again.
      const saved = ctx.state() as { category: string; reason: string; parsed: boolean } | undefined;
      const { category, reason, parsed } = saved?.category !== undefined ? saved : await classify(ctx);
      if (!saved) await ctx.saveState({ category, reason, parsed });
      const known = ctx.agents.some((a) => a.name === category);
      const role = known ? category : fallback;
      await ctx.decide('route', reason || '(no reason given)', { category, routedTo: known ? role : 'fallback', parsed });
      const plan: Plan = {
        subtasks: [
          known
            ? {
                id: `specialist-${role}`,
                role,
                description: ctx.record.task,
                dependsOn: [],
                required: true,
                // A specialist that fails for good hands over to the generalist.
                ...(role !== fallback ? { fallbackRole: fallback } : {}),
              }
            : {
                id: 'fallback',
                role: fallback,
                description: `No specialist fits this task, so you take it as a generalist. Do what you can with your tools, and say plainly what you could not do.\n\n${ctx.record.task}`,
                dependsOn: [],
                required: true,
              },
        ],
        failurePolicy: 'all',
        rationale: `routed to ${known ? role : 'the fallback agent'}: ${reason}`,
      };
      return { plan };
    },
    async finish(_ctx, outputs) {
      const o = outputs[0]!;
      return { text: `${o.output.trim()}\n\n_Routed to ${o.agent} (${o.subtask})._` };
    },
  }),
};

/** Asks the small router model which specialist fits the task. */
async function classify(ctx: PatternContext): Promise<{ category: string; reason: string; parsed: boolean }> {
  const response = await ctx.model.createMessage(
    {
      model: ctx.record.models.router,
      system: routerSystemPrompt(ctx.agents),
      messages: [{ role: 'user', content: `<task>\n${ctx.record.task}\n</task>` }],
      max_tokens: 300,
      metadata: { agentId: COORDINATOR_ID, role: 'router', purpose: 'route' },
    },
    { signal: ctx.signal },
  );
  ctx.addCall(response.model, response.usage);
  return parseClassification(textOf(response.content));
}

/** Reads the classifier's JSON, tolerating prose around it; anything unreadable is `unknown`. */
export function parseClassification(text: string): { category: string; reason: string; parsed: boolean } {
  const match = /\{[\s\S]*\}/.exec(text);
  if (match) {
    try {
      const c = ClassificationSchema.parse(JSON.parse(match[0]));
      return { category: c.category.trim().toLowerCase(), reason: c.reason, parsed: true };
    } catch {
      // fall through
    }
  }
  return { category: 'unknown', reason: `unreadable classification: ${text.slice(0, 200)}`, parsed: false };
}
