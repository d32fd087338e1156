/**
 * The offline planner: splits a task into parts at "and", "then" and sentence breaks,
 * gives each part an agent of the catalogue (by the words it shares with the agents'
 * descriptions, or by its verbs), and wires dependencies the way a person would: writing
 * needs the material of research, analysis and other agents; review needs writing. It
 * never invents content, only structure.
 */
import type { PlanInput } from '../../contracts/plan.js';
import { capitalize, keywords, slug } from './text.js';
import { chooseAgent, kindOf, type AgentChoice, type OfflineAgent } from './agents.js';

/** The built-in kind a part of a task calls for; research when nothing else fits. */
export function roleOf(part: string): string {
  return kindOf(part) ?? 'research';
}

/** Splits a task into its parts. "X and write it up" gives two parts; a plain topic gives one. */
export function splitTask(task: string): string[] {
  const parts = task
    .split(/(?:[.;]\s+|,?\s+(?:and then|then|and also|and)\s+(?=(?:write|draft|compose|review|check|analy[sz]e|compare|summari[sz]e|research|find|investigate|explain|list|compute|calculate|critique|proofread|evaluate|report|produce|create|make|gather|collect|describe)\b))/i)
    .map((p) => p.trim().replace(/[.;,]+$/, ''))
    .filter((p) => p.length > 0);
  return parts.length > 0 ? parts : [task.trim()];
}

/** A subtask id: `<agent>-<keywords>`, at most 40 characters. */
function subtaskId(agent: string, text: string, used: Set<string>): string {
  const base = `${agent}-${slug(text)}`.slice(0, 36).replace(/-+$/, '');
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}

/** Builds a plan from the task text and the agents the coordinator may use (the built-in four when none are given). */
export function planFromTask(task: string, agents: OfflineAgent[] = []): PlanInput {
  const parts: Array<{ text: string } & AgentChoice> = splitTask(task).map((text) => ({ text, ...chooseAgent(text, agents) }));
  const has = (name: string) => agents.length === 0 || agents.some((a) => a.name === name);
  const material = (p: { kind: string }) => p.kind === 'research' || p.kind === 'analysis' || p.kind === 'custom';
  // Writing with nothing to write from would have to invent; give it a research step.
  if (parts.some((p) => p.kind === 'writing') && !parts.some(material) && has('research')) {
    const topic = parts.find((p) => p.kind === 'writing')!.text;
    parts.unshift({ text: `Gather source material on: ${topic}`, name: 'research', kind: 'research', score: 0 });
  }
  const used = new Set<string>();
  const subtasks: NonNullable<PlanInput['subtasks']> = [];
  const before: Array<{ id: string; kind: string }> = [];
  for (const part of parts) {
    const id = subtaskId(part.name, part.text, used);
    const dependsOn =
      part.kind === 'writing'
        ? before.filter(material).map((b) => b.id)
        : part.kind === 'review'
          ? before.filter((b) => b.kind === 'writing').map((b) => b.id)
          : [];
    const isLast = part === parts.at(-1);
    subtasks.push({
      id,
      role: part.name,
      description: parts.length > 1 ? `${capitalize(part.text)} (part of the task: "${task}")` : capitalize(part.text),
      dependsOn,
      // The last writing step is the answer itself; the session cannot do without it.
      required: isLast && part.kind === 'writing',
    });
    before.push({ id, kind: part.kind });
  }
  return {
    subtasks,
    failurePolicy: 'best-effort',
    rationale:
      subtasks.length === 1
        ? `One part; splitting would not pay. Agent: ${subtasks[0]!.role}.`
        : `${subtasks.length} parts (${keywords(task, 4).join(', ')}) for ${[...new Set(subtasks.map((s) => s.role))].join(', ')}; independent ones run in parallel, dependent ones wait for their inputs.`,
  };
}
