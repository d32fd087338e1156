/**
 * An agent definition after loading and validation: what the session's catalogue holds
 * (catalogue.json, written by the coordinator) and what a worker reads its own from. In
 * zod/mini, like the other contracts a worker reads before its first model call: the
 * frontmatter of an agent file (agents/schema.ts), with its transforms and messages, is
 * checked with zod's classic API, which a worker then never needs to load.
 */
import * as z from './mini.js';

/** Where a definition came from, in lookup order. */
export const AGENT_SOURCES = ['api', 'flag', 'project', 'user', 'built-in'] as const;
export type AgentSource = (typeof AGENT_SOURCES)[number];

/** A definition after loading and validation: what the catalogue holds and workers receive. */
export const AgentDefinitionSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** The system prompt: the Markdown body of the file. */
  prompt: z.string(),
  source: z.enum(AGENT_SOURCES),
  /** The definition file, absolute; absent for an object given to the library API. */
  file: z.optional(z.string()),
  /** The tool list as written, with module paths made absolute. Absent: all tools of its servers. */
  tools: z.optional(z.array(z.string())),
  disallowedTools: z.array(z.string()),
  /** The servers it connects to: those it names, and those its tool names refer to. */
  mcpServers: z.array(z.string()),
  model: z.optional(z.string()),
  maxTurns: z.optional(z.positiveInt()),
  maxTokens: z.optional(z.positiveInt()),
  timeout: z.optional(z.number().check(z.positive())),
  outputSchema: z.optional(z.record(z.string(), z.unknown())),
  outputTool: z.optional(z.string()),
  approval: z.optional(z.unknown()),
});
export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>;

/** The default name of the generated structured-output tool. */
export const FINAL_ANSWER_TOOL = 'final_answer';
