/**
 * The `anthropic` provider on the official SDK, for Claude and for any endpoint that speaks
 * the Messages API (ANTHROPIC_BASE_URL: a proxy, LiteLLM, vLLM, Ollama, llama.cpp).
 *
 * - Every call streams, so long outputs never hit the SDK's non-streaming limit; the
 *   events are accumulated by `MessageAccumulator`.
 * - The system prompt, the tool list and the newest user turn carry cache breakpoints.
 * - HTTP-level failures (429, 529, 5xx, connection errors) are retried by the SDK itself
 *   (`maxRetries`). What the SDK cannot retry because the response had already begun (an
 *   `error` event mid-stream, a dropped connection, a stalled or truncated stream) is
 *   retried here, as many times.
 * - SDK errors are mapped into our error tree, each naming its cause and what to do.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ModelAuthError, ModelError, ModelOverloadedError, ModelRateLimitError, ModelStopError } from '../errors.js';
import { MessageAccumulator, type StreamEvent } from './anthropic-stream.js';
import type { ContentBlock, Message, Model, ModelCallOptions, ModelRequest, ModelResponse } from './types.js';

export interface AnthropicModelOptions {
  /** Defaults to ANTHROPIC_API_KEY. */
  apiKey?: string;
  /** Defaults to ANTHROPIC_BASE_URL, then https://api.anthropic.com. */
  baseURL?: string;
  defaultModel: string;
  /** The SDK's own retries for 408/409/429/5xx and connection errors (default 4). */
  maxRetries?: number;
  /**
   * Time allowed until the response headers arrive, per try, in ms (default 45 s). Well
   * under a worker's wall clock (10 minutes by default), so a request that never answers
   * fails as a named, retryable E_MODEL_TIMEOUT instead of running into the wall clock.
   */
  timeoutMs?: number;
  /** Our retries for failures after a stream began, which the SDK does not retry (default: maxRetries). */
  midStreamRetries?: number;
  /** First delay of our own retries, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  /** A stream with no event for this long is abandoned and retried (default 45 s; the API pings far more often). */
  streamIdleTimeoutMs?: number;
  /** max_tokens when a request gives none (default 8192). */
  defaultMaxTokens?: number;
  /** Send cache_control breakpoints (default true); off for endpoints that reject the field. */
  promptCaching?: boolean;
}

const EPHEMERAL = { type: 'ephemeral' } as const;

/** Per-try wait for the response headers (MAILROOM_REQUEST_TIMEOUT_MS overrides). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 45_000;

/** Longest silence inside a stream (MAILROOM_STREAM_IDLE_TIMEOUT_MS overrides). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 45_000;

/** Mid-stream error types worth another try; the others would fail the same way again. */
const TRANSIENT_STREAM_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/** Network failures while reading a response body (undici reports a drop as `terminated`). */
const NETWORK_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_BODY_TIMEOUT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export class AnthropicModel implements Model {
  readonly provider = 'anthropic';
  readonly defaultModel: string;
  private readonly client: Anthropic;
  private readonly maxRetries: number;
  private readonly midStreamRetries: number;
  private readonly retryDelayMs: number;
  private readonly idleTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly defaultMaxTokens: number;
  private readonly promptCaching: boolean;
  private readonly baseURL: string;

  constructor(opts: AnthropicModelOptions) {
    const apiKey = opts.apiKey ?? process.env.ANTHROPIC_API_KEY;
    if (!apiKey) {
      // Fail before the first request: a missing key is a setup problem, not a transient one.
      throw new ModelAuthError('ANTHROPIC_API_KEY is not set: export it (any non-empty value for a local server), or run with --offline');
    }
    this.defaultModel = opts.defaultModel;
    this.maxRetries = opts.maxRetries ?? 4;
    this.midStreamRetries = opts.midStreamRetries ?? this.maxRetries;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
    this.idleTimeoutMs = opts.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.defaultMaxTokens = opts.defaultMaxTokens ?? 8192;
    this.promptCaching = opts.promptCaching ?? true;
    this.baseURL = (opts.baseURL ?? (process.env.ANTHROPIC_BASE_URL || undefined) ?? 'https://api.anthropic.com').replace(/\/+$/, '');
    this.client = new Anthropic({
      // A key passed in code is the SDK client's only credential: it reads no other from the env.
      apiKey,
      baseURL: this.baseURL,
      maxRetries: this.maxRetries,
      timeout: this.timeoutMs,
    });
  }

  async createMessage(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse> {
    const params = this.toParams(request);
    const headers: Record<string, string> = {};
    // Lets a proxy (or our test server) attribute each call to an agent.
    if (request.metadata) {
      headers['x-mailroom-agent'] = request.metadata.agentId;
      headers['x-mailroom-role'] = request.metadata.role;
      headers['x-mailroom-purpose'] = request.metadata.purpose;
    }
    const signal = options?.signal;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.streamOnce(params, headers, signal);
      } catch (err) {
        if (signal?.aborted) throw new ModelError('E_MODEL_ABORTED', 'the model call was aborted', { cause: signal.reason ?? err });
        if (isRetryableMidStream(err) && attempt < this.midStreamRetries) {
          await sleep(this.retryDelayMs * 2 ** attempt, signal);
          continue;
        }
        throw this.mapError(err, String(params.model), attempt);
      }
    }
  }

  /** One streamed request, accumulated into a whole message, or an error. */
  private async streamOnce(params: Record<string, unknown>, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<ModelResponse> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) controller.abort(signal.reason);
    let idleTimer: NodeJS.Timeout | undefined;
    let stalled = false;
    const armIdle = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, this.idleTimeoutMs);
    };
    const acc = new MessageAccumulator();
    try {
      // The SDK's timeout and retries cover the wait for the response headers; the idle
      // timer covers the body, which nothing else bounds.
      const stream = await this.client.messages.create(
        { ...params, stream: true } as unknown as Anthropic.MessageCreateParamsStreaming,
        { signal: controller.signal, headers },
      );
      armIdle();
      for await (const event of stream) {
        armIdle();
        acc.add(event as unknown as StreamEvent);
      }
    } catch (err) {
      if (!stalled) throw err;
    } finally {
      clearTimeout(idleTimer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (stalled) {
      throw new ModelError('E_MODEL_STREAM_INCOMPLETE', `the stream from ${this.baseURL} stalled (no event for ${this.idleTimeoutMs} ms; MAILROOM_STREAM_IDLE_TIMEOUT_MS sets the limit)`);
    }
    // An aborted body ends the iteration quietly: only message_stop proves the message whole.
    if (!acc.complete) {
      if (signal?.aborted) throw new ModelError('E_MODEL_ABORTED', 'the model call was aborted', { cause: signal.reason });
      throw new ModelError('E_MODEL_STREAM_INCOMPLETE', `the stream from ${this.baseURL} ended before message_stop`);
    }
    const m = acc.result();
    return { id: m.id, model: m.model || String(params.model), content: m.content, stop_reason: m.stop_reason, usage: m.usage };
  }

  /** Our request shape to the API's, with cache breakpoints and content the API accepts. */
  private toParams(request: ModelRequest): Record<string, unknown> {
    const cache = this.promptCaching ? { cache_control: EPHEMERAL } : {};
    const tools: Array<Record<string, unknown>> = (request.tools ?? []).map((t) => ({ ...t }));
    // A breakpoint on the last tool caches the whole tool list (tools come first in the prompt).
    const lastTool = tools.at(-1);
    if (lastTool) Object.assign(lastTool, cache);
    const messages = request.messages.map(toApiMessage);
    // A breakpoint on the newest user turn lets each agent turn reuse the conversation so far.
    const last = messages.at(-1);
    if (this.promptCaching && last?.role === 'user') markLastBlock(last);
    const params: Record<string, unknown> = {
      model: request.model ?? this.defaultModel,
      max_tokens: request.max_tokens ?? this.defaultMaxTokens,
      messages,
    };
    if (request.system) params.system = [{ type: 'text', text: request.system, ...cache }];
    if (tools.length > 0) {
      params.tools = tools;
      if (request.tool_choice) params.tool_choice = request.tool_choice;
    }
    return params;
  }

  private mapError(err: unknown, model: string, ourRetries: number): Error {
    const where = `the API at ${this.baseURL}`;
    if (err instanceof ModelError) {
      if (err.code === 'E_MODEL_STREAM_INCOMPLETE' && ourRetries > 0) {
        return new ModelError(err.code, `${err.message} (gave up after ${ourRetries} retries)`, { cause: err });
      }
      return err;
    }
    if (err instanceof Anthropic.AuthenticationError) {
      return new ModelAuthError(`${where} rejected the key in ANTHROPIC_API_KEY (401 ${detail(err)}); check the key and ANTHROPIC_BASE_URL`, {
        cause: err,
        status: 401,
      });
    }
    if (err instanceof Anthropic.PermissionDeniedError) {
      return new ModelAuthError(`the key in ANTHROPIC_API_KEY may not use ${where} or model "${model}" (403 ${detail(err)})`, {
        cause: err,
        status: 403,
      });
    }
    if (err instanceof Anthropic.APIError && (err.status === 429 || err.type === 'rate_limit_error')) {
      return new ModelRateLimitError(`rate limited by ${where} (429 ${detail(err)}), gave up after ${this.retriesFor(err, ourRetries)} retries; lower --max-workers or raise MAILROOM_MAX_RETRIES`, {
        cause: err,
        status: 429,
      });
    }
    if (err instanceof Anthropic.APIError && (err.status === 529 || err.type === 'overloaded_error')) {
      return new ModelOverloadedError(`${where} is overloaded (529 ${detail(err)}), gave up after ${this.retriesFor(err, ourRetries)} retries; try again later or raise MAILROOM_MAX_RETRIES`, {
        cause: err,
        status: 529,
      });
    }
    if (err instanceof Anthropic.NotFoundError) {
      return new ModelError('E_MODEL_NOT_FOUND', `${where} answered 404 for model "${model}" (${detail(err)}); check the model id (--model, --worker-model) and ANTHROPIC_BASE_URL`, {
        cause: err,
        status: 404,
      });
    }
    if (err instanceof Anthropic.APIError && (err.status === 400 || err.status === 413)) {
      const text = detail(err);
      if (/prompt is too long|context window|context length/i.test(text)) {
        return new ModelStopError('model_context_window_exceeded', `the conversation no longer fits the context window of "${model}" (${err.status} ${text})`);
      }
      return new ModelError('E_MODEL_BAD_REQUEST', `${where} refused the request (${err.status} ${text})`, { cause: err, status: err.status });
    }
    if (err instanceof Anthropic.APIConnectionTimeoutError) {
      // A hung request: name it, and what bounds it. E_MODEL_TIMEOUT is retried as a new attempt.
      return new ModelError(
        'E_MODEL_TIMEOUT',
        `the model request to ${where} (model "${model}") got no response within ${this.timeoutMs} ms, ${this.maxRetries + 1} time(s); the endpoint is hung or overloaded (MAILROOM_REQUEST_TIMEOUT_MS sets the limit)`,
        { cause: err },
      );
    }
    if (err instanceof Anthropic.APIConnectionError) {
      const why = err.cause instanceof Error ? err.cause.message : err.message;
      return new ModelError('E_MODEL_CONNECTION', `cannot reach ${where} (ANTHROPIC_BASE_URL): ${why}, after ${this.maxRetries} retries`, { cause: err });
    }
    if (err instanceof Anthropic.APIError) {
      const status = err.status ?? 'a mid-stream error';
      return new ModelError('E_MODEL_API', `${where} returned ${status} (${detail(err)})${ourRetries > 0 ? `, gave up after ${ourRetries} retries` : ''}`, {
        cause: err,
        status: err.status,
      });
    }
    if (isNetworkError(err)) {
      return new ModelError('E_MODEL_CONNECTION', `the connection to ${where} dropped mid-response, gave up after ${ourRetries} retries`, { cause: err });
    }
    return new ModelError('E_MODEL', `model call failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  /** Retries spent before an error reached us: the SDK's for HTTP statuses, ours mid-stream. */
  private retriesFor(err: InstanceType<typeof Anthropic.APIError>, ourRetries: number): number {
    return err.status === undefined ? ourRetries : this.maxRetries;
  }
}

/** `<type>: <message>` from an API error, without the SDK's status-and-JSON message form. */
function detail(err: InstanceType<typeof Anthropic.APIError>): string {
  const message = err.apiMessage ?? err.message;
  return err.type ? `${err.type}: ${message}` : message;
}

/** Failures after the response began, which the SDK leaves to us. */
function isRetryableMidStream(err: unknown): boolean {
  if (err instanceof ModelError) return err.code === 'E_MODEL_STREAM_INCOMPLETE';
  if (err instanceof Anthropic.APIUserAbortError || err instanceof Anthropic.APIConnectionError) return false;
  if (err instanceof Anthropic.APIError) {
    // An `error` event inside a 200 stream: the SDK raises it with no status.
    return err.status === undefined && (err.type === null || TRANSIENT_STREAM_ERRORS.has(err.type));
  }
  return isNetworkError(err);
}

function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.message === 'terminated') return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

type ApiMessage = { role: Message['role']; content: string | Array<Record<string, unknown>> };

/**
 * Copies a message into the API's shape. A tool call whose input never parsed (kept as raw
 * text in the transcript) goes back as `{}`: the API requires an object, and the tool error
 * that answered the call already told the model what went wrong.
 */
function toApiMessage(m: Message): ApiMessage {
  if (typeof m.content === 'string') return { role: m.role, content: m.content };
  let blocks = m.content.map((b: ContentBlock) => {
    const copy = { ...b } as Record<string, unknown>;
    if ('input' in copy && (typeof copy.input !== 'object' || copy.input === null || Array.isArray(copy.input))) copy.input = {};
    return copy;
  });
  // The API refuses empty text blocks; a model may still have produced one.
  const nonEmpty = blocks.filter((b) => !(b.type === 'text' && b.text === ''));
  if (nonEmpty.length > 0) blocks = nonEmpty;
  return { role: m.role, content: blocks };
}

/** Puts a cache breakpoint on a message's last block (blocks that cannot carry one are skipped). */
function markLastBlock(m: ApiMessage): void {
  if (typeof m.content === 'string') {
    if (m.content !== '') m.content = [{ type: 'text', text: m.content, cache_control: EPHEMERAL }];
    return;
  }
  const last = m.content.at(-1);
  if (last && ['text', 'tool_result', 'image', 'document'].includes(String(last.type))) last.cache_control = EPHEMERAL;
}

/** Waits, but no longer than the caller is willing to. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
