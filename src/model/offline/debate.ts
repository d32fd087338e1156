/**
 * The offline debate moderator: compares the debaters' answers point by point. A point two
 * or more debaters make is an agreement; a point only one makes is a disagreement. Each is
 * attributed by name (agent and model). It compares; it adds nothing.
 */
import { parseTagged } from '../../prompts.js';
import { sentences } from './text.js';

/** Normalizes a point so that the same claim in slightly different dress compares equal. */
function key(point: string): string {
  return point
    .toLowerCase()
    .replace(/^[-*\d.)\s]+/, '')
    .replace(/[`*_"'.,;:!?()[\]]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function moderateDebate(prompt: string): string {
  const task = parseTagged(prompt, 'original-task')[0]?.body.trim() ?? '';
  const debaters = parseTagged(prompt, 'worker-output').map((o) => ({
    name: `${o.attrs.agent}${o.attrs.model ? ` (${o.attrs.model})` : ''}`,
    points: sentences(o.body).filter((p) => key(p).length > 3 && !/^(findings for|no findings)/i.test(p)),
  }));
  const failures = parseTagged(prompt, 'worker-failure');
  const byKey = new Map<string, { text: string; who: string[] }>();
  for (const d of debaters) {
    for (const p of d.points) {
      const k = key(p);
      const entry = byKey.get(k) ?? { text: p, who: [] };
      if (!entry.who.includes(d.name)) entry.who.push(d.name);
      byKey.set(k, entry);
    }
  }
  const agreed = [...byKey.values()].filter((e) => e.who.length >= 2);
  const disputed = [...byKey.values()].filter((e) => e.who.length === 1);
  const lines = [`# Debate: ${task}`, '', `Debaters: ${debaters.map((d) => d.name).join(', ') || 'none'}.`, '', '## Agreed', ''];
  if (agreed.length === 0) lines.push('- Nothing: no point was made by two debaters.');
  for (const a of agreed.slice(0, 30)) lines.push(`- ${a.text} — ${a.who.join(', ')}`);
  lines.push('', '## Disagreed', '');
  if (disputed.length === 0) lines.push('- Nothing: every point was made by more than one debater.');
  for (const d of debaters) {
    const own = disputed.filter((e) => e.who[0] === d.name);
    if (own.length === 0) continue;
    lines.push(`- Only ${d.name} says:`);
    for (const o of own.slice(0, 15)) lines.push(`  - ${o.text}`);
  }
  if (failures.length > 0) {
    lines.push('', '## Missing', '');
    for (const f of failures) lines.push(`- ${f.attrs.agent || f.attrs.subtask} did not answer: ${f.body.trim()}`);
  }
  lines.push(
    '',
    '## Conclusion',
    '',
    agreed.length > 0
      ? `The debaters agree on ${agreed.length} point(s); ${disputed.length} point(s) are made by one debater only and remain open.`
      : `The debaters share no point; ${disputed.length} point(s) remain open.`,
    '',
    "_Moderated by the offline model: a comparison of the debaters' answers, with nothing added._",
  );
  return lines.join('\n');
}
