/**
 * The offline model's worker turns. Each role follows a short, fixed routine that calls
 * the worker's real tools (found in the request's tool list) and then answers by
 * extracting from what those tools returned. It never adds a fact of its own.
 */
import { parseTagged } from '../../prompts.js';
import type { ContentBlock, Message, ModelRequest, ToolDefinition, ToolResultBlock, ToolUseBlock } from '../types.js';
import { buildArgs, type ArgHints } from './args.js';
import { capitalize, keywords } from './text.js';

export type TurnReply = { kind: 'tools'; calls: Array<{ name: string; input: Record<string, unknown> }> } | { kind: 'answer'; text: string };

interface ToolExchange {
  name: string;
  input: unknown;
  result: string;
  isError: boolean;
}

/** What the worker's conversation holds so far. */
interface WorkerState {
  task: string;
  inputs: Array<{ from: string; subtask: string; body: string }>;
  exchanges: ToolExchange[];
  turn: number;
  tools: Map<string, ToolDefinition>;
}

export function workerTurn(request: ModelRequest): TurnReply {
  const state = readState(request);
  switch (request.metadata?.role) {
    case 'research':
      return researchTurn(state);
    case 'writing':
      return writingTurn(state);
    case 'analysis':
      return analysisTurn(state);
    case 'review':
      return reviewTurn(state);
    default:
      return { kind: 'answer', text: extractAnswer(state) };
  }
}

function readState(request: ModelRequest): WorkerState {
  const first = request.messages[0];
  const firstText = first ? textOfMessage(first) : '';
  const task = parseTagged(firstText, 'task')[0]?.body ?? firstText;
  const inputs = parseTagged(firstText, 'input').map((b) => ({ from: b.attrs.from ?? '?', subtask: b.attrs.subtask ?? '?', body: b.body }));
  const uses = new Map<string, ToolUseBlock>();
  const exchanges: ToolExchange[] = [];
  let turn = 0;
  // A persistent worker's new round starts at the coordinator's message; earlier tool calls
  // belong to earlier rounds (e.g. a reviewer must submit a new review for a new draft).
  const roundStart = request.messages.findLastIndex((m) => m.role === 'user' && textOfMessage(m).includes('<coordinator-message>'));
  for (const m of request.messages.slice(Math.max(0, roundStart))) {
    if (typeof m.content === 'string') continue;
    if (m.role === 'assistant') turn++;
    for (const b of m.content) {
      if (b.type === 'tool_use') uses.set(b.id, b);
      if (b.type === 'tool_result') {
        const use = uses.get(b.tool_use_id);
        exchanges.push({ name: use?.name ?? '?', input: use?.input, result: resultText(b), isError: b.is_error === true });
      }
    }
  }
  const tools = new Map<string, ToolDefinition>();
  for (const t of request.tools ?? []) if ('input_schema' in t) tools.set(t.name, t as ToolDefinition);
  return { task, inputs, exchanges, turn, tools };
}

function textOfMessage(m: Message): string {
  if (typeof m.content === 'string') return m.content;
  return m.content.map((b) => (b.type === 'text' ? b.text : '')).join('\n');
}

function resultText(b: ToolResultBlock): string {
  return typeof b.content === 'string' ? b.content : b.content.map((c) => c.text).join('\n');
}

/** The task without the "(part of the task: ...)" note the offline planner adds. */
function coreTask(task: string): string {
  return task.replace(/\s*\(part of the task: [\s\S]*\)\s*$/, '').trim();
}

/** Keywords with a light plural/verb stem, so "errors" also finds "error". */
function searchTerms(task: string): string[] {
  return keywords(coreTask(task), 5).map((w) => (w.length > 4 ? w.replace(/(?:es|s)$/, '') : w));
}

function call(state: WorkerState, name: string, hints: ArgHints): { name: string; input: Record<string, unknown> } | undefined {
  const def = state.tools.get(name);
  if (!def) return undefined;
  return { name, input: buildArgs(def.input_schema, hints) };
}

function researchTurn(state: WorkerState): TurnReply {
  const terms = searchTerms(state.task);
  const searched = state.exchanges.filter((e) => e.name === 'search_files');
  if (searched.length === 0) {
    const c = call(state, 'search_files', { query: terms.join(' '), text: terms.join(' ') });
    if (c) return { kind: 'tools', calls: [c] };
  }
  const read = state.exchanges.filter((e) => e.name === 'read_file');
  if (read.length === 0 && searched.length > 0) {
    const paths = pathsIn(searched.map((e) => e.result).join('\n')).slice(0, 3);
    const calls = paths.map((p) => call(state, 'read_file', { path: p })).filter((c) => c !== undefined);
    if (calls.length > 0) return { kind: 'tools', calls };
  }
  return { kind: 'answer', text: researchAnswer(state, terms) };
}

/** File paths mentioned in a tool result, in order of first mention. */
function pathsIn(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(/(?:^|[\s"'`(\[])((?:[\w@.-]+\/)*[\w@-][\w@.-]*\.[A-Za-z0-9]{1,6})(?=[\s"'`:)\],]|$)/gm)) {
    const p = m[1]!;
    if (/^\d+(\.\d+)+$/.test(p) || p.includes('://')) continue;
    seen.add(p);
  }
  return [...seen];
}

function researchAnswer(state: WorkerState, terms: string[]): string {
  const reads = state.exchanges.filter((e) => e.name === 'read_file' && !e.isError);
  const lines: string[] = [`Findings for: ${coreTask(state.task)}`, ''];
  let found = 0;
  for (const r of reads) {
    const path = String((r.input as { path?: unknown } | undefined)?.path ?? '?');
    const hits = matchingLines(stripWrapper(r.result), terms).slice(0, 6);
    if (hits.length === 0) continue;
    lines.push(`From \`${path}\`:`);
    for (const h of hits) lines.push(`- ${h}`);
    lines.push('');
    found += hits.length;
  }
  if (found === 0) {
    const searched = state.exchanges.filter((e) => e.name === 'search_files');
    const note = searched.some((e) => e.isError) ? 'the search failed' : 'no source matched the search terms';
    lines.push(`No findings: ${note} (${terms.join(', ')}).`);
  } else {
    lines.push(`${found} relevant line(s) from ${reads.length} source(s), matching: ${terms.join(', ')}.`);
  }
  return lines.join('\n').trim();
}

/** Removes the untrusted-data wrapper and its trailing notice. */
function stripWrapper(text: string): string {
  const inner = /<(untrusted-data[\w-]*)[^>]*>\n?([\s\S]*?)\n?<\/\1>/.exec(text);
  return inner ? inner[2]! : text;
}

/**
 * The lines of a source that say most about the search terms: scored by how many distinct
 * terms they contain, skipping imports and punctuation-only fragments, in source order.
 */
function matchingLines(text: string, terms: string[]): string[] {
  const scored: Array<{ line: string; score: number; at: number }> = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, at) => {
    const line = raw.trim().replace(/^\s*\d+[:|]\s?/, '');
    if (line.length < 25 || line.length > 300) return;
    if (/^(import|export \{|\} from|require\()/.test(line)) return;
    if ((line.match(/[A-Za-z]/g) ?? []).length < line.length / 2) return;
    const lower = line.toLowerCase();
    const score = terms.filter((t) => lower.includes(t)).length;
    if (score === 0 || seen.has(line)) return;
    seen.add(line);
    scored.push({ line, score, at });
  });
  return scored
    .sort((a, b) => b.score - a.score || a.at - b.at)
    .slice(0, 8)
    .sort((a, b) => a.at - b.at)
    .map((s) => `\`${s.line.replace(/`/g, "'")}\``);
}

function writingTurn(state: WorkerState): TurnReply {
  const doc = composeDocument(state);
  const wrote = state.exchanges.some((e) => e.name === 'write_file');
  if (!wrote) {
    const c = call(state, 'write_file', { path: 'report.md', content: doc });
    if (c) return { kind: 'tools', calls: [c] };
  }
  const saved = state.exchanges.find((e) => e.name === 'write_file' && !e.isError);
  return { kind: 'answer', text: saved ? `${doc}\n\n(Saved to workspace/report.md.)` : doc };
}

function composeDocument(state: WorkerState): string {
  const title = capitalize(coreTask(state.task));
  const lines = [`# ${title}`, ''];
  if (state.inputs.length === 0) {
    lines.push('No input material was provided for this document, so it states nothing beyond the task itself.');
    return lines.join('\n');
  }
  lines.push(`This document draws on ${state.inputs.map((i) => `${i.from} (${i.subtask})`).join(', ')}.`, '');
  for (const input of state.inputs) {
    lines.push(`## From ${input.from}`, '');
    // Line by line: the inputs are lists of quoted source lines, which sentence splitting would cut.
    const points = input.body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^Findings for:/.test(l) && !/^\d+ relevant line\(s\)/.test(l));
    for (const p of points.slice(0, 24)) lines.push(p.startsWith('- ') || p.startsWith('From ') ? p : `- ${p}`);
    lines.push('');
  }
  return lines.join('\n').trim();
}

function analysisTurn(state: WorkerState): TurnReply {
  const material = state.inputs.map((i) => i.body).join('\n') || coreTask(state.task);
  const ran = state.exchanges.find((e) => e.name === 'run_javascript');
  if (!ran) {
    const code = [
      `const text = ${JSON.stringify(material)};`,
      'const lines = text.split("\\n").filter((l) => l.trim());',
      'const words = text.toLowerCase().match(/[a-z]{4,}/g) || [];',
      'const freq = {}; for (const w of words) freq[w] = (freq[w] || 0) + 1;',
      'const top = Object.entries(freq).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 8);',
      'JSON.stringify({ lines: lines.length, words: words.length, distinct: Object.keys(freq).length, top });',
    ].join('\n');
    const c = call(state, 'run_javascript', { code });
    if (c) return { kind: 'tools', calls: [c] };
  }
  const text = ran
    ? `Analysis of ${state.inputs.length > 0 ? state.inputs.map((i) => i.from).join(', ') : 'the task text'} (computed with run_javascript):\n${stripWrapper(ran.result)}`
    : 'No analysis tool was available.';
  return { kind: 'answer', text };
}

function reviewTurn(state: WorkerState): TurnReply {
  const reviewed = state.exchanges.find((e) => e.name === 'submit_review');
  if (!reviewed) {
    const body = state.inputs.map((i) => i.body).join('\n');
    const criteria = [
      { name: 'structure', score: /^#{1,3} /m.test(body) ? 1 : 0.5, feedback: /^#{1,3} /m.test(body) ? 'Has headings.' : 'Add headings.' },
      {
        name: 'sources',
        score: /`[^`]+\.[a-z]{1,5}`|https?:\/\//.test(body) ? 1 : 0.4,
        feedback: /`[^`]+\.[a-z]{1,5}`|https?:\/\//.test(body) ? 'Cites its sources.' : 'Cite the sources of each claim.',
      },
      { name: 'substance', score: Math.min(1, body.length / 1500), feedback: body.length >= 1500 ? 'Enough detail.' : 'Too thin; add detail.' },
    ];
    const score = Math.round((criteria.reduce((a, c) => a + c.score, 0) / criteria.length) * 100) / 100;
    const c = call(state, 'submit_review', { score, summary: `Score ${score} over ${criteria.length} criteria.`, criteria });
    if (c) return { kind: 'tools', calls: [c] };
  }
  return { kind: 'answer', text: reviewed ? `Review submitted:\n${reviewed.result}` : 'No review tool was available.' };
}

function extractAnswer(state: WorkerState): string {
  return state.inputs.map((i) => i.body).join('\n\n') || coreTask(state.task);
}

/** Content blocks for a reply. Tool use ids are deterministic per turn. */
export function replyBlocks(reply: TurnReply, turn: number): ContentBlock[] {
  if (reply.kind === 'answer') return [{ type: 'text', text: reply.text }];
  return reply.calls.map((c, i) => ({ type: 'tool_use', id: `toolu_offline_${turn}_${i}`, name: c.name, input: c.input }));
}

export function turnIndex(request: ModelRequest): number {
  return request.messages.filter((m) => m.role === 'assistant').length;
}
