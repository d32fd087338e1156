/**
 * Planning: one model call that must answer with `plan_subtasks`. An invalid plan goes
 * back to the model as a tool error naming the problem, a bounded number of times.
 */
import { PlanError, describeError } from '../errors.js';
import type { Message, Model, ToolUseBlock, Usage } from '../model/types.js';
import { coordinatorSystemPrompt, type PlannerAgent } from '../prompts.js';
import { COORDINATOR_ID } from '../session/layout.js';
import { validatePlan, type Plan } from '../contracts/plan.js';
import { coordinationToolDefinitions } from './tools.js';

export interface PlanningResult {
  plan: Plan;
  calls: Array<{ usage: Usage; model: string }>;
}

export async function planTask(
  model: Model,
  modelId: string,
  task: string,
  opts: { signal?: AbortSignal; maxAttempts?: number; agents?: PlannerAgent[] } = {},
): Promise<PlanningResult> {
  const agents = opts.agents ?? [];
  const names = agents.map((a) => a.name);
  const messages: Message[] = [{ role: 'user', content: `<task>\n${task}\n</task>\n\nPlan this task with plan_subtasks.` }];
  const calls: PlanningResult['calls'] = [];
  const attempts = opts.maxAttempts ?? 3;
  let lastError = 'no plan_subtasks call';
  for (let i = 0; i < attempts; i++) {
    const response = await model.createMessage(
      {
        model: modelId,
        system: coordinatorSystemPrompt(agents),
        messages,
        tools: coordinationToolDefinitions(undefined, names),
        tool_choice: { type: 'tool', name: 'plan_subtasks' },
        metadata: { agentId: COORDINATOR_ID, role: 'coordinator', purpose: 'plan' },
      },
      { signal: opts.signal },
    );
    calls.push({ usage: response.usage, model: response.model });
    const use = response.content.find((b): b is ToolUseBlock => b.type === 'tool_use' && b.name === 'plan_subtasks');
    messages.push({ role: 'assistant', content: response.content });
    if (!use) {
      lastError = 'the model answered without calling plan_subtasks';
      messages.push({ role: 'user', content: 'Call plan_subtasks with the plan.' });
      continue;
    }
    try {
      return { plan: validatePlan(use.input, names.length > 0 ? names : undefined), calls };
    } catch (err) {
      lastError = describeError(err);
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: lastError, is_error: true }] });
    }
  }
  throw new PlanError(`no valid plan after ${attempts} attempt(s): ${lastError}`);
}
