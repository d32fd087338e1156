/**
 * Live coordination: while workers run, the coordinator's model is consulted on events (a
 * worker's question, a worker's failure). It sees the event and who is running, and may act
 * with its coordination tools; it never sees the workers' conversations.
 */
import { z } from 'zod';
import type { Model, ToolUseBlock, Usage } from '../model/types.js';
import { textOf } from '../model/types.js';
import { COORDINATOR_ID } from '../session/layout.js';
import { SendMessageInput, SpawnWorkerInput, TerminateWorkerInput, coordinationToolDefinitions } from './tools.js';
import { toToolJsonSchema } from '../contracts/json-schema.js';

/** Offered on a worker's question when people may be asked: the coordinator hands it to a person. */
export const AskHumanInput = z.object({
  question: z.string().min(1).max(4000).describe('The question for the person, self-contained (they see nothing else)'),
});
const ASK_HUMAN_TOOL = {
  name: 'ask_human',
  description: "Hand the worker's question to a person when you cannot answer it yourself; their answer goes back to the worker.",
  input_schema: toToolJsonSchema(AskHumanInput, 'input'),
};

export const CONSULT_SYSTEM_PROMPT = [
  'You are the coordinator of a mailroom session, and something happened while your workers run.',
  'Act only if it helps the task: answer a question with send_message (to the worker that asked),',
  'steer a running worker with send_message, stop a worker that is going wrong with terminate_worker,',
  'or restart a failed subtask with spawn_worker. Otherwise answer "No action." in one line.',
].join('\n');

/** Added to the prompt when the coordinator may hand a worker's question to a person. */
const ASK_HUMAN_PROMPT = 'If a worker asks something only a person can decide, and you cannot answer it, hand it on with ask_human.';

export type ConsultAction =
  | { tool: 'send_message'; input: z.infer<typeof SendMessageInput>; why: string }
  | { tool: 'terminate_worker'; input: z.infer<typeof TerminateWorkerInput>; why: string }
  | { tool: 'spawn_worker'; input: z.infer<typeof SpawnWorkerInput>; why: string }
  | { tool: 'ask_human'; input: z.infer<typeof AskHumanInput>; why: string };

export interface ConsultOutcome {
  actions: ConsultAction[];
  /** The model's prose, if any (used as the answer to an unanswered question). */
  text: string;
  usage: Usage;
  model: string;
}

export async function consultCoordinator(
  model: Model,
  modelId: string,
  task: string,
  event: { kind: 'question' | 'failure'; agent: string; text: string },
  running: Array<{ agent: string; subtask: string; role: string }>,
  signal?: AbortSignal,
  /** Offer ask_human (a worker's question, with people allowed). */
  canAskHuman = false,
): Promise<ConsultOutcome> {
  const content = [
    `<original-task>\n${task}\n</original-task>`,
    `<event kind="${event.kind}" agent="${event.agent}">\n${event.text}\n</event>`,
    `<running-workers>\n${running.map((r) => `${r.agent} (${r.role}, subtask ${r.subtask})`).join('\n') || 'none'}\n</running-workers>`,
  ].join('\n\n');
  const response = await model.createMessage(
    {
      model: modelId,
      system: canAskHuman ? `${CONSULT_SYSTEM_PROMPT}\n${ASK_HUMAN_PROMPT}` : CONSULT_SYSTEM_PROMPT,
      messages: [{ role: 'user', content }],
      tools: [...coordinationToolDefinitions(['send_message', 'terminate_worker', 'spawn_worker']), ...(canAskHuman ? [ASK_HUMAN_TOOL] : [])],
      tool_choice: { type: 'auto' },
      max_tokens: 2000,
      metadata: { agentId: COORDINATOR_ID, role: 'coordinator', purpose: 'consult' },
    },
    { signal },
  );
  const text = textOf(response.content).trim();
  const actions: ConsultAction[] = [];
  for (const b of response.content.filter((x): x is ToolUseBlock => x.type === 'tool_use')) {
    // Tool input is validated like any other boundary; a malformed call is dropped, not obeyed.
    const why = text || `${event.kind} from ${event.agent}`;
    if (b.name === 'send_message') {
      const p = SendMessageInput.safeParse(b.input);
      if (p.success) actions.push({ tool: 'send_message', input: p.data, why });
    } else if (b.name === 'terminate_worker') {
      const p = TerminateWorkerInput.safeParse(b.input);
      if (p.success) actions.push({ tool: 'terminate_worker', input: p.data, why });
    } else if (b.name === 'ask_human' && canAskHuman) {
      const p = AskHumanInput.safeParse(b.input);
      if (p.success) actions.push({ tool: 'ask_human', input: p.data, why });
    } else if (b.name === 'spawn_worker') {
      const p = SpawnWorkerInput.safeParse(b.input);
      if (p.success) actions.push({ tool: 'spawn_worker', input: p.data, why });
    }
  }
  return { actions, text, usage: response.usage, model: response.model };
}
