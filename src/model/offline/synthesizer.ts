/**
 * The offline synthesis: merges the workers' outputs into one answer with each part
 * attributed, and lists failures. It extracts and arranges; it adds no facts.
 */
import { parseTagged } from '../../prompts.js';
import { sentences } from './text.js';

export function synthesize(prompt: string): string {
  const task = parseTagged(prompt, 'original-task')[0]?.body.trim() ?? '';
  const outputs = parseTagged(prompt, 'worker-output');
  const failures = parseTagged(prompt, 'worker-failure');
  const lines: string[] = [`# ${task}`, ''];

  // The last writing output is the document the plan built toward; lead with it.
  const main = [...outputs].reverse().find((o) => o.attrs.role === 'writing') ?? outputs.at(-1);
  if (main) {
    lines.push(`## Answer (from ${main.attrs.agent})`, '', stripHeading(main.body), '');
  } else {
    lines.push('## Answer', '', 'No worker produced a result, so there is no answer to give.', '');
  }

  lines.push('## Contributions', '');
  for (const o of outputs) {
    const points = sentences(o.body).filter((s) => !s.startsWith('#'));
    lines.push(`- **${o.attrs.agent}** (${o.attrs.role}, subtask \`${o.attrs.subtask}\`): ${summarize(points)}`);
  }
  if (outputs.length === 0) lines.push('- none');
  lines.push('', '## Gaps and failures', '');
  if (failures.length === 0) lines.push('- None: every subtask completed.');
  for (const f of failures) lines.push(`- **${f.attrs.subtask}**${f.attrs.agent ? ` (${f.attrs.agent})` : ''} failed: ${f.body.trim()}`);
  lines.push('', '_Synthesized by the offline model: extracted from the workers\' outputs, with nothing added._');
  return lines.join('\n');
}

function stripHeading(body: string): string {
  return body.replace(/^# .*\n+/, '').trim();
}

function summarize(points: string[]): string {
  if (points.length === 0) return 'returned an empty result.';
  const first = points[0]!.replace(/\s+/g, ' ').slice(0, 160);
  return points.length > 1 ? `${first} (+${points.length - 1} more line(s))` : first;
}
