/**
 * What an agent definition may say: the YAML frontmatter of an agent file (or the object a
 * library caller passes), validated with zod; and, from contracts/agent-definition.ts, the
 * resolved form the catalogue keeps.
 */
import { z } from 'zod';

import { AGENT_NAME, AGENT_NAME_HINT } from '../contracts/roles.js';

export { AGENT_NAME, AGENT_NAME_HINT };

/** A tool list: a YAML list, or one comma-separated string as in Claude Code's files. */
const ToolList = z
  .union([z.array(z.string().trim().min(1, 'a tool name is empty')), z.string()])
  .transform((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v));

/** The frontmatter fields. Unknown fields are refused, so a typo never passes silently. */
export const AgentFieldsSchema = z.strictObject({
  name: z.string().max(40, AGENT_NAME_HINT).regex(AGENT_NAME, AGENT_NAME_HINT),
  description: z.string().trim().min(1, 'say what the agent does and when to use it: the planner chooses by it'),
  /** Built-in tool ids, `mcp__<server>__<tool>`, `mcp__<server>` (all its tools), or a module path. */
  tools: ToolList.optional(),
  disallowedTools: ToolList.default([]),
  mcpServers: z.array(z.string().min(1)).default([]),
  model: z.string().min(1).optional(),
  maxTurns: z.number().int().positive().optional(),
  maxTokens: z.number().int().positive().optional(),
  /** Wall-clock limit of one attempt, in seconds. */
  timeout: z.number().positive().optional(),
  /** A JSON Schema (an object schema): the agent ends by calling its output tool with it. */
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  /** The output tool's name (default `final_answer`), e.g. the review agent's `submit_review`. */
  outputTool: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/, 'a tool name is letters, digits, "_" and "-"').optional(),
  /** Which tools need a person's approval; carried for the human-in-the-loop support. */
  approval: z.union([z.array(z.string()), z.string(), z.record(z.string(), z.unknown()), z.boolean()]).optional(),
});

/** An agent as a library caller gives it: the frontmatter fields plus the system prompt. */
export const AgentInputSchema = AgentFieldsSchema.extend({ prompt: z.string().default('') });
export type AgentDefinitionInput = z.input<typeof AgentInputSchema>;

export { AGENT_SOURCES, AgentDefinitionSchema, FINAL_ANSWER_TOOL } from '../contracts/agent-definition.js';
export type { AgentDefinition, AgentSource } from '../contracts/agent-definition.js';
