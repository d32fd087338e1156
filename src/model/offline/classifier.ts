/** The offline router: maps a task to one of the listed agents, by its words or its verbs, or to `unknown`. */
import { parseTagged } from '../../prompts.js';
import { agentsIn, chooseAgent, kindOf } from './agents.js';

export interface Classification {
  category: string;
  reason: string;
}

/** `prompt` is the router's user message; `system` lists the agents (the built-in four when it lists none). */
export function classify(prompt: string, system?: string): Classification {
  const task = parseTagged(prompt, 'task')[0]?.body ?? prompt;
  const agents = agentsIn(system);
  const choice = chooseAgent(task, agents);
  if (choice.kind === 'custom' && choice.score > 0) return { category: choice.name, reason: `the task shares ${choice.score} word(s) with the description of ${choice.name}` };
  if (!kindOf(task)) return { category: 'unknown', reason: 'no verb of a known specialty in the task' };
  return { category: choice.name, reason: `the task's wording calls for ${choice.name}` };
}
