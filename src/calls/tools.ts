/**
 * The coordinator's tools: coordination only, never domain tools (DESIGN.md principle 2).
 * Their schemas are zod, and the model sees them as JSON Schema.
 */
import { z } from 'zod';
import type { ToolDefinition } from '../model/types.js';
import { PlanSchema, planSchemaFor } from '../contracts/plan.js';
import { toToolJsonSchema } from '../contracts/json-schema.js';

export const SpawnWorkerInput = z.object({
  subtask: z.string().describe('Id of a subtask in the plan to start now (or restart, if it failed)'),
  instructions: z.string().optional().describe('Extra instructions added to the subtask for this attempt'),
});
export const SendMessageInput = z.object({
  agent: z.string().describe('Worker agent id, e.g. w01-research'),
  text: z.string().min(1).describe('The message; the worker sees it before its next turn'),
});
export const TerminateWorkerInput = z.object({
  agent: z.string().describe('Worker agent id to stop'),
  reason: z.string().min(1).describe('Why; recorded in the journal'),
});

export const COORDINATION_TOOLS = {
  plan_subtasks: {
    schema: PlanSchema,
    description: 'Record the plan: the subtasks, their roles, dependencies, and the failure policy. Call it exactly once.',
  },
  spawn_worker: { schema: SpawnWorkerInput, description: 'Start (or restart) the worker for one subtask of the plan.' },
  send_message: { schema: SendMessageInput, description: 'Send a message to a running worker; it arrives between its turns.' },
  terminate_worker: { schema: TerminateWorkerInput, description: 'Stop a worker: shutdown message, then SIGTERM, then SIGKILL.' },
} as const;

export type CoordinationToolName = keyof typeof COORDINATION_TOOLS;

/** The coordinator's tool definitions, as the model sees them; `agents` limits the plan's roles. */
export function coordinationToolDefinitions(names: CoordinationToolName[] = Object.keys(COORDINATION_TOOLS) as CoordinationToolName[], agents: string[] = []): ToolDefinition[] {
  return names.map((name) => {
    const zodSchema = name === 'plan_subtasks' ? planSchemaFor(agents) : COORDINATION_TOOLS[name].schema;
    return { name, description: COORDINATION_TOOLS[name].description, input_schema: toToolJsonSchema(zodSchema, 'input') };
  });
}
