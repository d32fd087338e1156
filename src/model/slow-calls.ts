/**
 * Says so while a model call is slow. A coordinator's plan or synthesis call can wait a
 * long time on a hung or overloaded endpoint (each try is bounded by the request timeout,
 * and there are retries); without a word on stderr, that looks like a hang.
 */
import { msFromEnv } from './select.js';
import type { Model, ModelCallOptions, ModelRequest, ModelResponse } from './types.js';

/** First notice after this long, then one more each time as long again (MAILROOM_SLOW_CALL_MS). */
export const DEFAULT_SLOW_CALL_MS = 15_000;

/** Wraps `model` so that `notify` hears about every call still unanswered after `afterMs`, and again every `afterMs`. */
export function withSlowCallNotices(model: Model, notify: (message: string) => void, afterMs = msFromEnv('MAILROOM_SLOW_CALL_MS') ?? DEFAULT_SLOW_CALL_MS): Model {
  return {
    provider: model.provider,
    defaultModel: model.defaultModel,
    async createMessage(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse> {
      const started = Date.now();
      const what = request.metadata?.purpose ?? 'call';
      const timer = setInterval(() => {
        const waited = ((Date.now() - started) / 1000).toFixed(1);
        notify(`still waiting for the model (${what}, ${waited} s so far; model ${request.model ?? model.defaultModel} on ${model.provider}); a request that gets no answer times out and is retried`);
      }, afterMs);
      timer.unref();
      try {
        return await model.createMessage(request, options);
      } finally {
        clearInterval(timer);
      }
    },
  };
}
