/** The offline router: maps a task to a role by its verbs, or to `unknown`. */
import { parseTagged } from '../../prompts.js';
import { roleOf } from './planner.js';

export interface Classification {
  category: string;
  reason: string;
}

export function classify(prompt: string): Classification {
  const task = parseTagged(prompt, 'task')[0]?.body ?? prompt;
  const role = roleOf(task);
  const matched = role !== 'research' || /\b(research|find|search|investigate|summari[sz]e|explore|look|gather|collect|list|read|explain|identify|survey|discover|how|what|why)\b/i.test(task);
  if (!matched) return { category: 'unknown', reason: 'no verb of a known specialty in the task' };
  return { category: role, reason: `the task's wording calls for ${role}` };
}
