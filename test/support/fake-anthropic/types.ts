/**
 * The scripting vocabulary of the fake Anthropic Messages API: what a test queues
 * (FakeReply) and what the server records (RecordedRequest).
 */
import type { StopReason, TextBlock, ToolUseBlock, Usage } from '../../../src/model/types.js';

/** A content block as the fake returns it; unknown block types pass through verbatim. */
export type FakeBlock = TextBlock | ToolUseBlock | Record<string, unknown>;

/** Shared pacing knobs. */
interface Paced {
  /** Wait this long before sending the response status line. */
  delayMs?: number;
  /** SSE only: wait this long before each event after the first. */
  slowChunkMs?: number;
}

/** A successful assistant message (JSON, or SSE when the request asked for `stream: true`). */
export interface FakeMessageReply extends Paced {
  type: 'message';
  content: FakeBlock[];
  /** Defaults to `tool_use` when the content has a tool_use block, else `end_turn`. */
  stop_reason?: StopReason;
  /** Overrides the deterministic default usage field by field. */
  usage?: Partial<Usage>;
  /** Defaults to the request's `model`. */
  model?: string;
  /** SSE only: destroy the socket after this many events (a mid-stream connection drop). */
  dropAfterEvents?: number;
}

/** An HTTP error with the API's JSON error body. */
export interface FakeErrorReply {
  type: 'error';
  status: number;
  /** Defaults from the status: 429 rate_limit_error, 529 overloaded_error, 500 api_error... */
  errorType?: string;
  message?: string;
  /** Sent as the `retry-after` header (seconds; fractions work with the SDK). */
  retryAfterSeconds?: number;
  /** Sent as the `x-should-retry` header, which the SDK obeys over its own policy. */
  shouldRetry?: boolean;
  delayMs?: number;
}

/** Destroy the socket without any response. */
export interface FakeDropReply {
  type: 'drop';
  delayMs?: number;
}

/**
 * SSE: status 200, some events, then `event: error` and the end of the stream — what the
 * API does when it overloads mid-response. Without `stream: true` it is the plain HTTP
 * error that the error type maps to (overloaded_error -> 529 and so on).
 */
export interface FakeStreamErrorReply extends Paced {
  type: 'stream-error';
  /** Events sent before the error (message_start and ping count). Default: every event before message_delta. */
  afterEvents?: number;
  /** Default `overloaded_error`. */
  errorType?: string;
  /** Default `Overloaded`. */
  message?: string;
  /** Content streamed before the error. Default: none. */
  content?: FakeBlock[];
}

/**
 * A tool_use whose input is not valid JSON. In SSE the `raw` text is split across
 * input_json_delta events; in JSON the block's `input` is the raw string.
 */
export interface FakeMalformedToolInputReply extends Paced {
  type: 'malformed-tool-input';
  name: string;
  /** Default `toolu_fake_<n>`. */
  id?: string;
  raw: string;
  /** Optional text block before the tool_use. */
  text?: string;
  usage?: Partial<Usage>;
}

export type FakeReply =
  | FakeMessageReply
  | FakeErrorReply
  | FakeDropReply
  | FakeStreamErrorReply
  | FakeMalformedToolInputReply;

/** One request the server received, in arrival order. */
export interface RecordedRequest {
  /** `x-mailroom-agent` header. */
  agent?: string;
  /** `x-mailroom-role` header. */
  role?: string;
  /** The key the request carried: `x-api-key`, else the `Authorization: Bearer` token (the SDK sends the latter). */
  apiKey?: string;
  method: string;
  /** Path without the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it did not parse. */
  body: any;
  stream: boolean;
  /** Date.now() at arrival. */
  at: number;
  /**
   * What was served. `error` also covers the server's own refusals (404, 400 for an
   * invalid request, 401 for a wrong key); `unscripted` is the 500 for a request no
   * script or responder answered.
   */
  reply: FakeReply['type'] | 'unscripted';
}

/** Usage totals in the API's field names. */
export interface ReportedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface FakeServerOptions {
  /** Default 0: a free port. */
  port?: number;
  /** When set, a request whose `x-api-key` (or Bearer token) differs gets 401 authentication_error. */
  requireApiKey?: string;
  /**
   * Refuse requests the real API would refuse (missing anthropic-version header, model,
   * max_tokens or messages) with 400 invalid_request_error. Default true.
   */
  validate?: boolean;
}

/** Dynamic replies: return undefined to fall through to the "unscripted" 500. */
export type FakeResponder = (req: RecordedRequest) => FakeReply | undefined;
