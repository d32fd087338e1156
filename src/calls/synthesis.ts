/** Synthesis: a model call that turns the workers' results into one answer. Never concatenation. */
import { ModelError, ModelStopError } from '../errors.js';
import type { Message, Model, Usage } from '../model/types.js';
import { addUsage, textOf, ZERO_USAGE } from '../model/types.js';
import { SYNTHESIS_SYSTEM_PROMPT, synthesisMessage, type WorkerFailureForSynthesis, type WorkerOutputForSynthesis } from '../prompts.js';
import { COORDINATOR_ID } from '../session/layout.js';
import { continueAfterMaxTokens } from '../model/continuation.js';

export async function synthesizeAnswer(
  model: Model,
  modelId: string,
  task: string,
  outputs: WorkerOutputForSynthesis[],
  failures: WorkerFailureForSynthesis[],
  opts: { signal?: AbortSignal; purpose?: string; system?: string; maxContinuations?: number } = {},
): Promise<{ text: string; usage: Usage; model: string; calls: number }> {
  const messages: Message[] = [{ role: 'user', content: synthesisMessage(task, outputs, failures) }];
  const parts: string[] = [];
  let usage: Usage = { ...ZERO_USAGE };
  for (let continuations = 0; ; continuations++) {
    const response = await model.createMessage(
      {
        model: modelId,
        system: opts.system ?? SYNTHESIS_SYSTEM_PROMPT,
        messages,
        max_tokens: 16_000,
        metadata: { agentId: COORDINATOR_ID, role: 'coordinator', purpose: opts.purpose ?? 'synthesize' },
      },
      { signal: opts.signal },
    );
    usage = addUsage(usage, response.usage);
    parts.push(textOf(response.content));
    if (response.stop_reason === 'refusal') throw new ModelStopError('refusal', 'the model refused to write the synthesis (stop_reason "refusal")');
    if (response.stop_reason === 'model_context_window_exceeded') {
      throw new ModelStopError('model_context_window_exceeded', "the workers' results no longer fit the model's context window for synthesis");
    }
    if (response.stop_reason !== 'max_tokens') {
      const text = parts.join('').trim();
      if (!text) throw new ModelError('E_SYNTHESIS_EMPTY', 'the synthesis call returned no text');
      return { text, usage, model: response.model, calls: continuations + 1 };
    }
    // A long answer hit max_tokens: ask for the rest rather than return half an answer.
    messages.push({ role: 'assistant', content: response.content }, continueAfterMaxTokens(response.content, continuations, 'the synthesis', opts.maxContinuations));
  }
}

/** Progressive synthesis: a draft from the results so far (`--progressive`). */
export function synthesizeDraft(
  model: Model,
  modelId: string,
  task: string,
  outputs: WorkerOutputForSynthesis[],
  failures: WorkerFailureForSynthesis[],
  signal?: AbortSignal,
): Promise<{ text: string; usage: Usage; model: string; calls: number }> {
  return synthesizeAnswer(model, modelId, task, outputs, failures, {
    ...(signal ? { signal } : {}),
    purpose: 'draft',
    system: `${SYNTHESIS_SYSTEM_PROMPT}\nThis is a draft: some workers are still running. Say which parts are still missing.`,
  });
}
