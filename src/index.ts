/**
 * mailroom's library API. `runSession` and `resumeSession` are what the CLI uses; the
 * rest is for callers who build their own UI, tools or providers.
 */
export { runSession, resumeSession, findSession, exitCodeFor } from './coordinator/api.js';
export type { RunSessionOptions, ResumeSessionOptions, SessionOutcome } from './coordinator/api.js';
export type { SessionEvent, SessionEventListener } from './coordinator/events.js';
export type { Plan, Subtask, FailurePolicy } from './contracts/plan.js';
export { PlanSchema, validatePlan } from './contracts/plan.js';
export type { SessionOptionsInput, SessionOptions } from './config.js';
export type { Model, ModelRequest, ModelResponse, Message, ContentBlock, Usage } from './model/types.js';
export { OfflineModel } from './model/offline/index.js';
export { ScriptedModel } from './model/scripted.js';
export { AnthropicModel } from './model/anthropic.js';
export * from './errors.js';
export { defineTool } from './tools/types.js';
export type { Tool, ToolContext, ToolOutput, ToolSettings } from './tools/types.js';
export { loadCatalogue } from './agents/catalogue.js';
export type { AgentCatalogue, CatalogueOptions } from './agents/catalogue.js';
export type { AgentDefinition, AgentDefinitionInput } from './agents/schema.js';
export type { McpServerInput } from './tools/mcp/config.js';
export { respond } from './people/respond.js';
export type { PersonReply, RespondOutcome } from './people/respond.js';
export { pendingRequests } from './people/pending.js';
export type { PendingRequest } from './people/pending.js';
