/**
 * Structured output: an agent with `outputSchema` ends by calling a generated tool
 * (`final_answer`, or the name in `outputTool`) whose input is that schema. The input is
 * validated like any tool's (a mismatch is a tool error the model can fix), and a valid
 * call ends the agent's loop with the parsed JSON as its result.
 */
import { z } from 'zod';
import type { Tool } from '../tools/types.js';
import { FINAL_ANSWER_TOOL, type AgentDefinition } from './schema.js';

/** The output tool of a definition, or undefined when it has no outputSchema. */
export function outputToolOf(def: Pick<AgentDefinition, 'outputSchema' | 'outputTool'>): Tool | undefined {
  if (!def.outputSchema) return undefined;
  const { $schema: _drop, ...schema } = def.outputSchema;
  const input = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]) as z.ZodType;
  const described = typeof schema.description === 'string' ? schema.description : undefined;
  return {
    name: def.outputTool ?? FINAL_ANSWER_TOOL,
    description:
      described ??
      'Submit your final result as JSON matching this schema. Call it once, when you are done: the call ends your work. If it is refused, fix what the error names and call it again.',
    input,
    inputSchema: schema,
    async run(value) {
      return { content: JSON.stringify(value) };
    },
  };
}
