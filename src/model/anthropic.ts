/**
 * The `anthropic` provider on the official SDK. It streams every call (long outputs never
 * hit the SDK's non-streaming limit), marks the system prompt and tools for prompt caching,
 * relies on the SDK's own retries, and maps SDK errors into our error tree so each names
 * its cause.
 */
import Anthropic from '@anthropic-ai/sdk';
import {
  ModelAuthError,
  ModelError,
  ModelOverloadedError,
  ModelRateLimitError,
} from '../errors.js';
import type { ContentBlock, Model, ModelCallOptions, ModelRequest, ModelResponse, StopReason } from './types.js';

export interface AnthropicModelOptions {
  /** Defaults to ANTHROPIC_API_KEY. */
  apiKey?: string;
  /** Defaults to ANTHROPIC_BASE_URL, then the SDK's default. */
  baseURL?: string;
  defaultModel: string;
  /** The SDK's own retry count for 408/409/429/5xx and connection errors. */
  maxRetries?: number;
  /** Per-request timeout in ms. */
  timeoutMs?: number;
  /** Our own retries for an `error` event in the middle of a stream, which the SDK does not retry. */
  midStreamRetries?: number;
  defaultMaxTokens?: number;
}

export class AnthropicModel implements Model {
  readonly provider = 'anthropic';
  readonly defaultModel: string;
  private readonly client: Anthropic;
  private readonly midStreamRetries: number;
  private readonly defaultMaxTokens: number;
  private readonly baseURL: string;

  constructor(opts: AnthropicModelOptions) {
    const apiKey = opts.apiKey ?? process.env.ANTHROPIC_API_KEY;
    if (!apiKey) {
      // Fail before the first request: a missing key is a setup problem, not a transient one.
      throw new ModelAuthError('ANTHROPIC_API_KEY is not set: export it, or run with --offline');
    }
    this.defaultModel = opts.defaultModel;
    this.midStreamRetries = opts.midStreamRetries ?? 2;
    this.defaultMaxTokens = opts.defaultMaxTokens ?? 8192;
    this.baseURL = opts.baseURL ?? process.env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com';
    this.client = new Anthropic({
      apiKey,
      baseURL: this.baseURL,
      maxRetries: opts.maxRetries ?? 4,
      timeout: opts.timeoutMs ?? 10 * 60_000,
    });
  }

  async createMessage(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse> {
    const params = this.toParams(request);
    const headers: Record<string, string> = {};
    // Lets a proxy (or our test server) attribute each call to an agent.
    if (request.metadata) {
      headers['x-mailroom-agent'] = request.metadata.agentId;
      headers['x-mailroom-role'] = request.metadata.role;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const stream = this.client.messages.stream(params, { signal: options?.signal, headers });
        const message = await stream.finalMessage();
        return {
          id: message.id,
          model: message.model,
          content: message.content as unknown as ContentBlock[],
          stop_reason: message.stop_reason as StopReason | null,
          usage: {
            input_tokens: message.usage.input_tokens,
            output_tokens: message.usage.output_tokens,
            cache_read_input_tokens: message.usage.cache_read_input_tokens ?? 0,
            cache_creation_input_tokens: message.usage.cache_creation_input_tokens ?? 0,
          },
        };
      } catch (err) {
        if (isMidStreamError(err) && attempt < this.midStreamRetries && !options?.signal?.aborted) {
          await sleep(250 * 2 ** attempt);
          continue;
        }
        throw this.mapError(err);
      }
    }
  }

  private toParams(request: ModelRequest): Anthropic.MessageStreamParams {
    const tools = (request.tools ?? []).map((t) => ({ ...t })) as Array<Record<string, unknown>>;
    // Cache breakpoint on the last tool caches the whole tool list (tools precede system).
    const lastTool = tools.at(-1);
    if (lastTool) lastTool.cache_control = { type: 'ephemeral' };
    const params: Record<string, unknown> = {
      model: request.model ?? this.defaultModel,
      max_tokens: request.max_tokens ?? this.defaultMaxTokens,
      messages: request.messages,
    };
    if (request.system) {
      params.system = [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }];
    }
    if (tools.length > 0) params.tools = tools;
    if (request.tool_choice && tools.length > 0) params.tool_choice = request.tool_choice;
    return params as unknown as Anthropic.MessageStreamParams;
  }

  private mapError(err: unknown): Error {
    if (err instanceof ModelError) return err;
    if (err instanceof Anthropic.AuthenticationError || err instanceof Anthropic.PermissionDeniedError) {
      return new ModelAuthError(
        `the API at ${this.baseURL} rejected the key in ANTHROPIC_API_KEY (${err.status}): ${apiMessage(err)}`,
        { cause: err, status: err.status },
      );
    }
    if (err instanceof Anthropic.RateLimitError) {
      return new ModelRateLimitError(`rate limited by ${this.baseURL} (429) after retries: ${apiMessage(err)}`, {
        cause: err,
        status: 429,
      });
    }
    if (err instanceof Anthropic.APIError && (err.status === 529 || errorType(err) === 'overloaded_error')) {
      return new ModelOverloadedError(`the API at ${this.baseURL} is overloaded (529) after retries: ${apiMessage(err)}`, {
        cause: err,
        status: err.status ?? 529,
      });
    }
    if (err instanceof Anthropic.APIUserAbortError) {
      return new ModelError('E_MODEL_ABORTED', 'the model call was aborted', { cause: err });
    }
    if (err instanceof Anthropic.APIConnectionError) {
      return new ModelError('E_MODEL_CONNECTION', `cannot reach the API at ${this.baseURL}: ${err.message}`, { cause: err });
    }
    if (err instanceof Anthropic.APIError) {
      return new ModelError('E_MODEL_API', `the API at ${this.baseURL} returned ${err.status ?? 'an error'}: ${apiMessage(err)}`, {
        cause: err,
        status: err.status,
      });
    }
    return new ModelError('E_MODEL', `model call failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** An `error` event inside a 200 stream: the SDK raises an APIError with no status. */
function isMidStreamError(err: unknown): boolean {
  return (
    err instanceof Anthropic.APIError &&
    err.status === undefined &&
    !(err instanceof Anthropic.APIConnectionError) &&
    !(err instanceof Anthropic.APIUserAbortError)
  );
}

function errorType(err: InstanceType<typeof Anthropic.APIError>): string | undefined {
  const body = err.error as { error?: { type?: string }; type?: string } | undefined;
  return body?.error?.type ?? body?.type;
}

function apiMessage(err: InstanceType<typeof Anthropic.APIError>): string {
  const body = err.error as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? err.message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
