/**
 * The one model seam. Every provider takes and returns the Anthropic Messages shape, so
 * the agent loop, transcripts and tests share a single vocabulary. These types are our
 * own (not the SDK's) so that the core never imports a provider.
 */

export interface TextBlock {
  type: 'text';
  text: string;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | TextBlock[];
  is_error?: boolean;
}

/** Server-side tool blocks (web_search, web_fetch) are kept verbatim in the transcript. */
export interface ServerToolBlock {
  type: 'server_tool_use' | 'web_search_tool_result' | 'web_fetch_tool_result';
  [key: string]: unknown;
}

export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock | ServerToolBlock;

export interface Message {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

/** A tool offered to the model: name, description and a JSON Schema for its input. */
export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/** A provider-run tool such as Anthropic's `web_search`; passed through as-is. */
export interface ServerToolDefinition {
  type: string;
  name: string;
  [key: string]: unknown;
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'any' }
  | { type: 'none' }
  | { type: 'tool'; name: string };

export interface ModelRequest {
  /** Model id; providers fall back to their default when absent. */
  model?: string;
  system?: string;
  messages: Message[];
  tools?: Array<ToolDefinition | ServerToolDefinition>;
  tool_choice?: ToolChoice;
  max_tokens?: number;
  /** Free-form hints for deterministic models (offline, scripted); real providers ignore it. */
  metadata?: ModelCallMetadata;
}

/** Who is calling and why. Used for usage accounting and by scripted and offline models. */
export interface ModelCallMetadata {
  agentId: string;
  role: string;
  /** What the call is for: planning, a worker turn, synthesis, routing, review... */
  purpose: string;
}

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

export type { Usage } from '../contracts/usage.js';
export { addUsage, ZERO_USAGE } from '../contracts/usage.js';
import type { Usage } from '../contracts/usage.js';

export interface ModelResponse {
  id: string;
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  usage: Usage;
}

export interface ModelCallOptions {
  signal?: AbortSignal;
}

/** A provider: one method, one shape. */
export interface Model {
  /** `anthropic`, `offline` or `scripted`; recorded in session.json. */
  readonly provider: string;
  /** The model id used when a request names none. */
  readonly defaultModel: string;
  createMessage(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse>;
}

/** All text blocks of a response, joined. */
export function textOf(content: string | ContentBlock[]): string {
  if (typeof content === 'string') return content;
  return content
    .filter((b): b is TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('\n');
}
