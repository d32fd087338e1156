/**
 * The offline writing routine: turns the research inputs into a report, with a title, an
 * "In short" list of the strongest findings (each quoted and cited as path:line), a
 * section per topic or per file, and the sources. It formats the report with the
 * format_document tool, writes it to the workspace, and answers with it. Every sentence
 * in the report is either a quote from a tool result or a plain statement of where the
 * quotes came from.
 */
import { citation, gist, inlineQuote, parseFindings, renderFile, type FileFindings, type Passage } from './findings.js';
import { queryConcepts } from '../../text/tokenize.js';
import { matchLines } from '../../text/proximity.js';
import { capitalize } from './text.js';
import { MISSING_NOTE } from './research.js';
import { call, coreTask, unwrapToolResult, wholeTask, type TurnReply, type WorkerState } from './turn-state.js';

/** Where the report is saved in the workspace. */
export const REPORT_PATH = 'report.md';
/** Findings in the "In short" list at most (three or more whenever the inputs hold that many). */
const MAX_SHORT = 5;

/** One input's findings, as parsed from a research worker's answer. */
export interface TopicFindings {
  from: string;
  subtask: string;
  /** What the worker was asked ("Findings for: …"). */
  topic: string;
  /** The query it searched with, when it says. */
  query?: string;
  files: FileFindings[];
}

export function writingTurn(state: WorkerState): TurnReply {
  const doc = composeReport(state);
  const format = state.exchanges.find((e) => e.name === 'format_document');
  const formatted = format && !format.isError ? unwrapToolResult(format.result).trim() : undefined;
  if (!format && state.tools.has('format_document')) {
    const c = call(state, 'format_document', { content: doc });
    if (c) return { kind: 'tools', calls: [c] };
  }
  const final = formatted && formatted.startsWith('# ') ? formatted : doc;
  if (!state.exchanges.some((e) => e.name === 'write_file')) {
    const c = call(state, 'write_file', { path: REPORT_PATH, content: `${final}\n` });
    if (c) return { kind: 'tools', calls: [c] };
  }
  const saved = state.exchanges.some((e) => e.name === 'write_file' && !e.isError);
  return { kind: 'answer', text: saved ? `${final}\n\n_Saved to workspace/${REPORT_PATH}._` : final };
}

/** The findings in each input that uses the findings format. */
export function topicsOf(inputs: WorkerState['inputs']): TopicFindings[] {
  const out: TopicFindings[] = [];
  for (const input of inputs) {
    const files = parseFindings(input.body);
    if (files.length === 0) continue;
    const topic = /^Findings for: (.+)$/m.exec(input.body)?.[1]?.trim() ?? input.subtask;
    const query = /^Searched for "([^"]+)"/m.exec(input.body)?.[1];
    out.push({ from: input.from, subtask: input.subtask, topic, ...(query ? { query } : {}), files });
  }
  return out;
}

/** A title from what was asked: "Summarize how X handles errors" -> "How X handles errors". */
export function titleOf(asks: string[]): string {
  const cleaned = asks.map((a) =>
    a
      .replace(/^(?:(?:please|gather source material on:?|summari[sz]e|find(?: out)?|explain|describe|research|investigate|look (?:at|into)|list|identify|explore|survey|tell me|show(?: me)?|write(?: up)?|draft|compose)\s+)+/i, '')
      .replace(/[.?!\s]+$/, '')
      .trim(),
  );
  const parts = [...new Set(cleaned.filter(Boolean))];
  if (parts.length === 0) return 'Report';
  return capitalize(parts.map((p, i) => (i === 0 ? p : p.charAt(0).toLowerCase() + p.slice(1))).join(', and '));
}

interface ShortItem {
  quote: string;
  at: { path: string; start: number; end: number };
}

/** True when a passage has a line that matches the query at all. */
function bearsOn(p: Passage, query: string | undefined): boolean {
  if (!query) return true;
  return matchLines(p.lines.join('\n'), queryConcepts(query)).length > 0;
}

/**
 * The strongest findings: round-robin over the files in rank order, each file's header
 * gist first (when it bears on the query), then its passages; up to five of them, so
 * three to five whenever the inputs quote at least three passages.
 */
export function inShort(topics: TopicFindings[]): ShortItem[] {
  const queues = topics.flatMap((t) =>
    t.files.map((f) => [...(f.header && bearsOn(f.header, t.query) ? [f.header] : []), ...f.passages]),
  );
  const items: ShortItem[] = [];
  const seen = new Set<string>();
  for (let round = 0; items.length < MAX_SHORT && queues.some((q) => q.length > round); round++) {
    for (const q of queues) {
      const p = q[round];
      if (!p || items.length >= MAX_SHORT) continue;
      const g = gist(p);
      if (!g.quote || seen.has(g.quote)) continue;
      seen.add(g.quote);
      items.push({ quote: g.quote, at: { path: p.path, start: g.start, end: g.end } });
    }
  }
  return items;
}

/** The line ranges a file's findings quote, for the sources list. */
function rangesOf(f: FileFindings): string {
  const all = [...(f.header ? [f.header] : []), ...f.passages].sort((a, b) => a.start - b.start);
  return all.map((p) => (p.end > p.start ? `${p.start}-${p.end}` : `${p.start}`)).join(', ');
}

function composeReport(state: WorkerState): string {
  const topics = topicsOf(state.inputs);
  const others = state.inputs.filter((i) => !topics.some((t) => t.from === i.from && t.subtask === i.subtask));
  const title = titleOf(topics.length > 0 ? topics.map((t) => t.topic) : [wholeTask(state.task) || coreTask(state.task)]);
  const lines = [`# ${title}`, ''];
  if (state.inputs.length === 0) {
    lines.push('No input material was provided for this document, so it states nothing beyond the task itself.');
    return lines.join('\n');
  }
  const fileCount = new Set(topics.flatMap((t) => t.files.map((f) => f.path))).size;
  const by = [...new Set(state.inputs.map((i) => i.from))].join(', ');
  lines.push(
    topics.length > 0
      ? `Quoted from ${fileCount} source file(s) that ${by} found and read. Every finding below is a verbatim quote with its path:line.`
      : `This document draws on ${state.inputs.map((i) => `${i.from} (${i.subtask})`).join(', ')}.`,
    '',
  );
  // Say plainly when the sources are silent on part of the question.
  for (const note of new Set(state.inputs.flatMap((i) => i.body.split('\n').filter((l) => l.startsWith(MISSING_NOTE))))) lines.push(note, '');

  lines.push('## In short', '');
  const short = inShort(topics);
  for (const s of short) lines.push(`- ${inlineQuote(s.quote)} (\`${citation(s.at)}\`)`);
  if (short.length === 0) {
    for (const i of state.inputs) lines.push(`- ${i.from} (${i.subtask}) returned no quotable source passage.`);
  }
  lines.push('');

  // One topic: a section per file. Several: a section per topic, a sub-section per file.
  for (const t of topics) {
    if (topics.length > 1) lines.push(`## ${titleOf([t.topic])}`, '');
    for (const f of t.files) lines.push(...renderFile(f, topics.length > 1 ? 3 : 2));
  }
  for (const input of others) {
    lines.push(`## From ${input.from}`, '');
    const points = input.body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^Findings for:/.test(l));
    for (const p of points.slice(0, 24)) lines.push(/^([-*] |\d+\. )/.test(p) ? p : `- ${p}`);
    lines.push('');
  }

  lines.push('## Sources', '');
  for (const t of topics) {
    for (const f of t.files) lines.push(`- \`${f.path}\`: lines ${rangesOf(f)} (found by ${t.from})`);
  }
  for (const input of others) lines.push(`- ${input.from} (${input.subtask}): its output, as given above`);
  return lines.join('\n').trim();
}
