/**
 * The plan: what the coordinator's `plan_subtasks` tool takes. The same zod schema
 * validates the model's tool input and generates the JSON Schema the model sees.
 */
import { z } from 'zod';
import { AGENT_NAME, AGENT_NAME_HINT } from './roles.js';
import { PlanError } from '../errors.js';

export const SubtaskSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'subtask ids are short kebab-case, e.g. "research-errors"')
    .describe('Short kebab-case id, unique in the plan'),
  role: z.string().regex(AGENT_NAME, AGENT_NAME_HINT).describe('Which agent does it: the name of an agent of the catalogue; each has its own tools'),
  description: z.string().min(1).describe('What the worker must do, self-contained: the worker sees nothing else of the task'),
  context: z.string().optional().describe('Extra context the worker needs, if any'),
  dependsOn: z.array(z.string()).default([]).describe('Ids of subtasks whose outputs this one needs as input'),
  required: z.boolean().default(false).describe('If true, the session fails when this subtask fails'),
  fallbackRole: z.string().regex(AGENT_NAME, AGENT_NAME_HINT).optional().describe('An agent to try when this subtask fails for good'),
});
export type Subtask = z.infer<typeof SubtaskSchema>;

export const FailurePolicySchema = z.union([
  z.literal('all'),
  z.literal('best-effort'),
  z.object({ quorum: z.number().int().positive() }),
]);
export type FailurePolicy = z.infer<typeof FailurePolicySchema>;

export const PlanSchema = z.object({
  subtasks: z.array(SubtaskSchema).min(1, 'a plan needs at least one subtask').max(64),
  failurePolicy: FailurePolicySchema.default('best-effort').describe(
    '"all": any failure fails the session; {"quorum": n}: at least n must succeed; "best-effort": synthesize what succeeded',
  ),
  rationale: z.string().optional().describe('One or two sentences on why this split'),
});
export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;

/** The plan schema the model sees: roles limited to the agents of the catalogue. */
export function planSchemaFor(agents: string[]) {
  if (agents.length === 0) return PlanSchema;
  const names = z.enum(agents as [string, ...string[]]);
  return PlanSchema.extend({
    subtasks: z
      .array(SubtaskSchema.extend({ role: names.describe(SubtaskSchema.shape.role.description ?? ''), fallbackRole: names.optional().describe(SubtaskSchema.shape.fallbackRole.description ?? '') }))
      .min(1)
      .max(64),
  });
}

/**
 * Parses and checks a plan: schema, unique ids, agents of the catalogue (when `agents` is
 * given), known dependencies, no cycles, and a quorum that can be met. Throws PlanError
 * naming the first problem.
 */
export function validatePlan(input: unknown, agents?: string[]): Plan {
  const parsed = PlanSchema.safeParse(input);
  if (!parsed.success) throw new PlanError(`invalid plan: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const plan = parsed.data;
  const ids = new Set<string>();
  for (const s of plan.subtasks) {
    if (ids.has(s.id)) throw new PlanError(`invalid plan: duplicate subtask id "${s.id}"`);
    ids.add(s.id);
  }
  if (agents) {
    for (const s of plan.subtasks) {
      for (const role of [s.role, s.fallbackRole]) {
        if (role !== undefined && !agents.includes(role)) {
          throw new PlanError(`invalid plan: subtask "${s.id}" names agent "${role}", which is not in the catalogue (${agents.join(', ')})`);
        }
      }
    }
  }
  for (const s of plan.subtasks) {
    for (const d of s.dependsOn) {
      if (!ids.has(d)) throw new PlanError(`invalid plan: subtask "${s.id}" depends on unknown subtask "${d}"`);
      if (d === s.id) throw new PlanError(`invalid plan: subtask "${s.id}" depends on itself`);
    }
  }
  const cycle = findCycle(plan.subtasks);
  if (cycle) throw new PlanError(`invalid plan: dependency cycle ${cycle.join(' -> ')}`);
  const policy = plan.failurePolicy;
  if (typeof policy === 'object' && policy.quorum > plan.subtasks.length) {
    throw new PlanError(`invalid plan: quorum ${policy.quorum} exceeds the ${plan.subtasks.length} subtasks`);
  }
  return plan;
}

/** Returns one cycle as a list of ids (first id repeated at the end), or undefined. */
export function findCycle(subtasks: Pick<Subtask, 'id' | 'dependsOn'>[]): string[] | undefined {
  const deps = new Map(subtasks.map((s) => [s.id, s.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const st = state.get(id);
    if (st === 'done') return undefined;
    if (st === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const d of deps.get(id) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const s of subtasks) {
    const c = visit(s.id);
    if (c) return c;
  }
  return undefined;
}
