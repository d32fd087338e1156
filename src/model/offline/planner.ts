/**
 * The offline planner: splits a task into parts at "and", "then" and sentence breaks,
 * gives each part a role from its verbs, and wires dependencies the way a person would:
 * writing needs research, review needs writing. It never invents content, only structure.
 */
import type { PlanInput } from '../../contracts/plan.js';
import type { Role } from '../../contracts/roles.js';
import { capitalize, keywords, slug } from './text.js';

const ROLE_PATTERNS: Array<[Role, RegExp]> = [
  ['review', /\b(review|critique|proofread|check|evaluate|assess|grade|verify)\b/i],
  ['writing', /\b(write|draft|compose|report|document|essay|article|memo|blog|write-up|writeup)\b/i],
  ['analysis', /\b(analy[sz]e|analysis|compare|comparison|compute|calculate|measure|statistics|stats|data|csv|quantify|count|benchmark)\b/i],
  ['research', /\b(research|find|search|investigate|summari[sz]e|explore|look|gather|collect|list|read|explain|identify|survey|discover|how|what|why)\b/i],
];

/** The role a part of a task calls for; research when nothing else fits. */
export function roleOf(part: string): Role {
  for (const [role, re] of ROLE_PATTERNS) if (re.test(part)) return role;
  return 'research';
}

/** Splits a task into its parts. "X and write it up" gives two parts; a plain topic gives one. */
export function splitTask(task: string): string[] {
  const parts = task
    .split(/(?:[.;]\s+|,?\s+(?:and then|then|and also|and)\s+(?=(?:write|draft|compose|review|check|analy[sz]e|compare|summari[sz]e|research|find|investigate|explain|list|compute|calculate|critique|proofread|evaluate|report|produce|create|make|gather|collect|describe)\b))/i)
    .map((p) => p.trim().replace(/[.;,]+$/, ''))
    .filter((p) => p.length > 0);
  return parts.length > 0 ? parts : [task.trim()];
}

/** Builds a plan from the task text alone. */
export function planFromTask(task: string): PlanInput {
  const parts = splitTask(task).map((text) => ({ text, role: roleOf(text) }));
  // Writing with nothing to write from would have to invent; give it a research step.
  if (parts.some((p) => p.role === 'writing') && !parts.some((p) => p.role === 'research' || p.role === 'analysis')) {
    const topic = parts.find((p) => p.role === 'writing')!.text;
    parts.unshift({ text: `Gather source material on: ${topic}`, role: 'research' });
  }
  const used = new Set<string>();
  const subtasks: NonNullable<PlanInput['subtasks']> = [];
  const before: Array<{ id: string; role: Role }> = [];
  for (const part of parts) {
    let id = `${part.role}-${slug(part.text)}`;
    for (let n = 2; used.has(id); n++) id = `${part.role}-${slug(part.text)}-${n}`;
    used.add(id);
    const dependsOn =
      part.role === 'writing'
        ? before.filter((b) => b.role === 'research' || b.role === 'analysis').map((b) => b.id)
        : part.role === 'review'
          ? before.filter((b) => b.role === 'writing').map((b) => b.id)
          : [];
    const isLast = part === parts.at(-1);
    subtasks.push({
      id,
      role: part.role,
      description: parts.length > 1 ? `${capitalize(part.text)} (part of the task: "${task}")` : capitalize(part.text),
      dependsOn,
      // The last writing step is the answer itself; the session cannot do without it.
      required: isLast && part.role === 'writing',
    });
    before.push({ id, role: part.role });
  }
  return {
    subtasks,
    failurePolicy: 'best-effort',
    rationale:
      subtasks.length === 1
        ? 'One part; splitting would not pay.'
        : `${subtasks.length} parts (${keywords(task, 4).join(', ')}); independent ones run in parallel, dependent ones wait for their inputs.`,
  };
}
