/** Synthesis: a model call that turns the workers' results into one answer. Never concatenation. */
import { ModelError } from '../errors.js';
import type { Model, Usage } from '../model/types.js';
import { textOf } from '../model/types.js';
import { SYNTHESIS_SYSTEM_PROMPT, synthesisMessage, type WorkerFailureForSynthesis, type WorkerOutputForSynthesis } from '../prompts.js';
import { COORDINATOR_ID } from '../session/layout.js';

export async function synthesizeAnswer(
  model: Model,
  modelId: string,
  task: string,
  outputs: WorkerOutputForSynthesis[],
  failures: WorkerFailureForSynthesis[],
  opts: { signal?: AbortSignal; purpose?: string; system?: string } = {},
): Promise<{ text: string; usage: Usage; model: string }> {
  const response = await model.createMessage(
    {
      model: modelId,
      system: opts.system ?? SYNTHESIS_SYSTEM_PROMPT,
      messages: [{ role: 'user', content: synthesisMessage(task, outputs, failures) }],
      max_tokens: 16_000,
      metadata: { agentId: COORDINATOR_ID, role: 'coordinator', purpose: opts.purpose ?? 'synthesize' },
    },
    { signal: opts.signal },
  );
  const text = textOf(response.content).trim();
  if (!text) throw new ModelError('E_SYNTHESIS_EMPTY', 'the synthesis call returned no text');
  return { text, usage: response.usage, model: response.model };
}
