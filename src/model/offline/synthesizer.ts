/**
 * The offline synthesis: merges the workers' reports into one answer under the same
 * headings, keeps every quote and citation they hold, says where the workers agree (they
 * cite the same files) and where they conflict (they quote the same line differently),
 * and lists failures. It extracts and arranges; it adds no facts.
 */
import { parseTagged } from '../../prompts.js';
import { codeSpan, gist, inlineQuote, parseFindings, renderFile, citation, type FileFindings, type Passage } from './findings.js';
import { MISSING_NOTE } from './research.js';
import { sentences } from './text.js';

interface Output {
  agent: string;
  role: string;
  subtask: string;
  body: string;
  files: FileFindings[];
}

export function synthesize(prompt: string): string {
  const task = parseTagged(prompt, 'original-task')[0]?.body.trim() ?? '';
  const outputs: Output[] = parseTagged(prompt, 'worker-output').map((o) => ({
    agent: o.attrs.agent ?? '?',
    role: o.attrs.role ?? '?',
    subtask: o.attrs.subtask ?? '?',
    body: o.body,
    files: parseFindings(o.body),
  }));
  const failures = parseTagged(prompt, 'worker-failure');
  // The last writing output is the document the plan built toward; lead with it.
  const main = [...outputs].reverse().find((o) => o.role === 'writing') ?? outputs.at(-1);
  const lines = outputs.some((o) => o.files.length > 0) ? merged(task, outputs, main) : plain(task, main);
  lines.push('## Contributions', '');
  for (const o of outputs) {
    const points = sentences(o.body).filter((s) => !s.startsWith('#'));
    lines.push(`- **${o.agent}** (${o.role}, subtask \`${o.subtask}\`): ${summarize(points, o.files)}`);
  }
  if (outputs.length === 0) lines.push('- none');
  lines.push('', '## Gaps and failures', '');
  if (failures.length === 0) lines.push('- None: every subtask completed.');
  for (const f of failures) lines.push(`- **${f.attrs.subtask}**${f.attrs.agent ? ` (${f.attrs.agent})` : ''} failed: ${f.body.trim()}`);
  lines.push('', "_Synthesized by the offline model: extracted from the workers' outputs, with nothing added._");
  return lines.join('\n');
}

/** No worker returned findings: the main output as the answer. */
function plain(task: string, main: Output | undefined): string[] {
  const lines: string[] = [`# ${task}`, ''];
  if (main) lines.push(`## Answer (from ${main.agent})`, '', stripTitle(main.body), '');
  else lines.push('## Answer', '', 'No worker produced a result, so there is no answer to give.', '');
  return lines;
}

interface MergedFile {
  path: string;
  header?: Passage;
  passages: Passage[];
  agents: Set<string>;
}

/** Every file any output cites, its passages merged by citation, in order of first mention. */
function mergeFiles(outputs: Output[]): Map<string, MergedFile> {
  const files = new Map<string, MergedFile>();
  for (const o of outputs) {
    for (const f of o.files) {
      const m = files.get(f.path) ?? { path: f.path, passages: [], agents: new Set<string>() };
      m.agents.add(o.agent);
      if (f.header && !m.header) m.header = f.header;
      for (const p of f.passages) if (!m.passages.some((q) => q.start === p.start && q.end === p.end)) m.passages.push(p);
      files.set(f.path, m);
    }
  }
  return files;
}

/** The main report's sections: topic headings (or none) and the files under each, in order. */
function skeleton(body: string): Array<{ topic?: string; paths: string[] }> {
  const groups: Array<{ topic?: string; paths: string[] }> = [];
  let current: { topic?: string; paths: string[] } | undefined;
  for (const line of body.split('\n')) {
    const file = /^#{2,4} `([^`]+)`\s*$/.exec(line);
    if (file) {
      if (!current) groups.push((current = { paths: [] }));
      current.paths.push(file[1]!);
      continue;
    }
    const topic = /^## (.+)$/.exec(line);
    if (topic && !/^(In short|Sources)$/.test(topic[1]!.trim())) groups.push((current = { topic: topic[1]!.trim(), paths: [] }));
    else if (topic) current = undefined;
  }
  return groups.filter((g) => g.paths.length > 0);
}

/** The "In short" items of an output: the list under its "## In short" heading. */
function shortItems(body: string): string[] {
  const m = /^## In short\s*\n([\s\S]*?)(?=^#{1,6} |(?![\s\S]))/m.exec(body);
  return m ? m[1]!.split('\n').filter((l) => /^[-*] /.test(l)).map((l) => l.replace(/^[-*] /, '- ')) : [];
}

function merged(task: string, outputs: Output[], main: Output | undefined): string[] {
  const title = main ? /^# (.+)$/m.exec(main.body)?.[1]?.trim() : undefined;
  const withFindings = outputs.filter((o) => o.files.length > 0);
  const lines: string[] = [`# ${title ?? task}`, ''];
  lines.push(`Merged from the reports of ${withFindings.map((o) => o.agent).join(', ')}. Every quote is as the workers' tools returned it, with its path:line.`, '');

  // Notes that a search word was found nowhere: kept, as the workers wrote them.
  for (const note of new Set(outputs.flatMap((o) => o.body.split('\n').filter((l) => l.startsWith(MISSING_NOTE))))) lines.push(note, '');

  const files = mergeFiles(withFindings);
  lines.push('## In short', '');
  const items = [...new Set(outputs.flatMap((o) => shortItems(o.body)))];
  if (items.length === 0) {
    // No report had a summary list: the gist of each file's best passage, in order.
    for (const f of [...files.values()].slice(0, 5)) {
      const p = f.passages[0] ?? f.header;
      if (!p) continue;
      const g = gist(p);
      items.push(`- ${inlineQuote(g.quote)} (\`${citation({ path: p.path, start: g.start, end: g.end })}\`)`);
    }
  }
  lines.push(...items, '');

  // The main report's headings first, then any file only other workers cite.
  const groups = main ? skeleton(main.body) : [];
  const placed = new Set(groups.flatMap((g) => g.paths));
  const rest = [...files.keys()].filter((p) => !placed.has(p));
  if (rest.length > 0) groups.push({ paths: rest });
  for (const g of groups) {
    if (g.topic) lines.push(`## ${g.topic}`, '');
    for (const path of g.paths) {
      const f = files.get(path);
      if (!f) continue;
      const rendered = renderFile(f, g.topic ? 3 : 2);
      lines.push(rendered[0]!, '', `Cited by ${[...f.agents].join(' and ')}.`, '', ...rendered.slice(2));
    }
  }
  for (const o of outputs.filter((x) => x.files.length === 0)) {
    lines.push(`## From ${o.agent}`, '', stripTitle(o.body).replace(/^(#{1,5}) /gm, '#$1 '), '');
  }

  lines.push('## Agreement and conflicts', '', ...agreement(withFindings), '');
  lines.push('## Sources', '');
  for (const f of files.values()) {
    const ranges = [...(f.header ? [f.header] : []), ...f.passages].sort((a, b) => a.start - b.start).map((p) => citation(p).slice(p.path.length + 1));
    lines.push(`- \`${f.path}\`: lines ${ranges.join(', ')} (cited by ${[...f.agents].join(', ')})`);
  }
  lines.push('');
  return lines;
}

/** Where the workers agree (the same files) and conflict (the same line quoted differently). */
function agreement(outputs: Output[]): string[] {
  const out: string[] = [];
  const byLine = new Map<string, Map<string, string>>();
  for (const o of outputs) {
    for (const f of o.files) {
      for (const p of [...(f.header ? [f.header] : []), ...f.passages]) {
        p.lines.forEach((text, k) => {
          const key = `${p.path}:${p.start + k}`;
          const seen = byLine.get(key) ?? new Map<string, string>();
          if (!seen.has(o.agent)) seen.set(o.agent, text.trim());
          byLine.set(key, seen);
        });
      }
    }
  }
  for (const [key, quotes] of byLine) {
    const distinct = new Set(quotes.values());
    if (distinct.size < 2) continue;
    out.push(`- Conflict at \`${key}\`: ${[...quotes].map(([agent, text]) => `${agent} quotes ${codeSpan(text)}`).join('; ')}.`);
  }
  const research = outputs.filter((o) => o.role !== 'writing');
  if (research.length < 2) {
    out.unshift(`- Only ${research.length === 1 ? research[0]!.agent : 'one worker'} searched the sources, so there are no independent findings to compare.`);
    return out;
  }
  const citedBy = new Map<string, string[]>();
  for (const o of research) for (const f of o.files) citedBy.set(f.path, [...(citedBy.get(f.path) ?? []), o.agent]);
  const shared = [...citedBy].filter(([, agents]) => agents.length > 1);
  for (const [path, agents] of shared) out.unshift(`- \`${path}\` is cited by ${agents.join(' and ')}.`);
  if (shared.length === 0) out.unshift(`- ${research.map((o) => o.agent).join(' and ')} cite different files: each covers its own part, so none confirms another.`);
  if (!out.some((l) => l.startsWith('- Conflict'))) out.push('- No two workers quote the same line differently.');
  return out;
}

function stripTitle(body: string): string {
  return body.replace(/^# .*\n+/, '').trim();
}

function summarize(points: string[], files: FileFindings[]): string {
  if (files.length > 0) {
    const passages = files.reduce((n, f) => n + f.passages.length + (f.header ? 1 : 0), 0);
    return `${passages} quoted passage(s) from ${files.map((f) => `\`${f.path}\``).join(', ')}.`;
  }
  if (points.length === 0) return 'returned an empty result.';
  const first = points[0]!.replace(/\s+/g, ' ').slice(0, 160);
  return points.length > 1 ? `${first} (+${points.length - 1} more line(s))` : first;
}
