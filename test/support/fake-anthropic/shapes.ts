/**
 * The Messages API's JSON shapes: the message object, its usage, and the error body.
 * Kept apart from the server so the SSE encoder and the JSON path build the same message.
 */
import type { StopReason, Usage } from '../../../src/model/types.js';
import type { FakeBlock, ReportedUsage } from './types.js';

/** The full usage object the API returns (the SDK's `Usage`, minus fields we never set). */
export interface ApiUsage extends ReportedUsage {
  service_tier: 'standard';
}

/** The API's message object, as returned by a non-streaming call. */
export interface ApiMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: FakeBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: ApiUsage;
}

export interface ApiErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

const round4 = (n: number): number => Math.round(n / 4);

/** Characters of output a block stands for: its text, or its tool input as JSON. */
function outputChars(block: FakeBlock): number {
  const b = block as Record<string, unknown>;
  if (b.type === 'text' && typeof b.text === 'string') return b.text.length;
  if ('input' in b) return typeof b.input === 'string' ? b.input.length : JSON.stringify(b.input ?? {}).length;
  return 0;
}

/**
 * Deterministic usage: input ~ request body length / 4, output ~ output length / 4 (at
 * least 1), no cache; each field of `override` wins.
 */
export function computeUsage(rawBodyLength: number, content: FakeBlock[], override?: Partial<Usage>): ApiUsage {
  const out = content.reduce((n, b) => n + outputChars(b), 0);
  return {
    input_tokens: override?.input_tokens ?? round4(rawBodyLength),
    cache_creation_input_tokens: override?.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: override?.cache_read_input_tokens ?? 0,
    output_tokens: override?.output_tokens ?? Math.max(1, round4(out)),
    service_tier: 'standard',
  };
}

/** `tool_use` when the model asked for a client tool, else `end_turn` — what the API says. */
export function defaultStopReason(content: FakeBlock[]): StopReason {
  return content.some((b) => (b as { type?: unknown }).type === 'tool_use') ? 'tool_use' : 'end_turn';
}

export function buildMessage(args: {
  id: string;
  model: string;
  content: FakeBlock[];
  stopReason: StopReason;
  usage: ApiUsage;
}): ApiMessage {
  return {
    id: args.id,
    type: 'message',
    role: 'assistant',
    model: args.model,
    content: args.content,
    stop_reason: args.stopReason,
    stop_sequence: null,
    usage: args.usage,
  };
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const STATUS_BY_TYPE: Record<string, number> = Object.fromEntries(
  Object.entries(TYPE_BY_STATUS).map(([status, type]) => [type, Number(status)]),
);

const MESSAGE_BY_TYPE: Record<string, string> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low to access the Anthropic API.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'Not found',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of requests has exceeded your rate limit.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

export function errorTypeForStatus(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** The HTTP status a non-streaming call would get for an error type (unknown types: 500). */
export function statusForErrorType(type: string): number {
  return STATUS_BY_TYPE[type] ?? 500;
}

export function errorBody(type: string, message: string | undefined, requestId: string): ApiErrorBody {
  return { type: 'error', error: { type, message: message ?? MESSAGE_BY_TYPE[type] ?? type }, request_id: requestId };
}
