/**
 * How the offline model chooses an agent for a part of a task: by the words the part
 * shares with each agent's name and description. The built-in agents also answer to the
 * verbs of their kind of work ("write", "review"...), as the offline planner always did.
 */
import { parseTagged } from '../../prompts.js';

export interface OfflineAgent {
  name: string;
  description: string;
  source?: string;
}

/** The built-in kinds of work, in the order their verbs are tried. */
export const KINDS = ['review', 'writing', 'analysis', 'research'] as const;
export type Kind = (typeof KINDS)[number];

const KIND_PATTERNS: Record<Kind, RegExp> = {
  review: /\b(review|critique|proofread|check|evaluate|assess|grade|verify)\b/i,
  writing: /\b(write|draft|compose|report|document|essay|article|memo|blog|write-up|writeup)\b/i,
  analysis: /\b(analy[sz]e|analysis|compare|comparison|compute|calculate|measure|statistics|stats|data|csv|quantify|count|benchmark)\b/i,
  research: /\b(research|find|search|investigate|summari[sz]e|explore|look|gather|collect|list|read|explain|identify|survey|discover|how|what|why)\b/i,
};

/** The kind of work a text calls for by its verbs, or undefined. */
export function kindOf(text: string): Kind | undefined {
  return KINDS.find((k) => KIND_PATTERNS[k].test(text));
}

const STOP = new Set('the and for with from into that this these those use any all its are was were has have you your our can will when what which who how why not but one each more most some such than them they about over under only also just'.split(' '));

/** Content words with a light stem, so "reviews" meets "review" and "risks" meets "risk". */
export function stems(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().match(/[a-z][a-z0-9]{2,}/g) ?? []) {
    if (STOP.has(raw)) continue;
    out.add(raw.length > 5 ? raw.replace(/(?:ing|ers|er|ed|es|s)$/, '') : raw.replace(/s$/, ''));
  }
  return out;
}

/** The agents listed in a prompt (`<agent name="..." source="...">description</agent>`). */
export function agentsIn(prompt: string | undefined): OfflineAgent[] {
  return parseTagged(prompt ?? '', 'agent').map((b) => ({ name: b.attrs.name ?? '', description: b.body.trim(), ...(b.attrs.source ? { source: b.attrs.source } : {}) })).filter((a) => a.name);
}

export interface AgentChoice {
  name: string;
  /** The kind of work: a built-in kind, or `custom` for any other agent. */
  kind: Kind | 'custom';
  /** Words of the part found in the agent's name and description. */
  score: number;
}

/**
 * The agent for a part of a task. An agent whose name and description share at least two
 * words with the part wins; otherwise the built-in agent of the part's verbs; otherwise
 * the agent that shares a word; otherwise research (or the first agent).
 */
export function chooseAgent(part: string, agents: OfflineAgent[]): AgentChoice {
  const names = agents.map((a) => a.name);
  const words = stems(part);
  const scored = agents
    .filter((a) => !(KINDS as readonly string[]).includes(a.name))
    .map((a) => {
      const own = stems(`${a.name.replace(/-/g, ' ')} ${a.description}`);
      return { name: a.name, score: [...words].filter((w) => own.has(w)).length };
    })
    .sort((x, y) => y.score - x.score);
  const best = scored[0];
  if (best && best.score >= 2) return { name: best.name, kind: 'custom', score: best.score };
  const kind = kindOf(part) ?? 'research';
  if (agents.length === 0 || names.includes(kind)) return { name: kind, kind, score: 0 };
  if (best && best.score >= 1) return { name: best.name, kind: 'custom', score: best.score };
  if (names.includes('research')) return { name: 'research', kind: 'research', score: 0 };
  return { name: agents[0]!.name, kind: 'custom', score: 0 };
}
