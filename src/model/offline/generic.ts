/**
 * The offline model's routine for an agent that is not one of the built-in four: it calls
 * the tools whose names and descriptions share words with the task (MCP tools included),
 * with arguments built from their JSON Schemas, reads files a search found, and answers by
 * quoting what the tools returned. An agent with an output tool ends by calling it with
 * arguments built from its schema. It never adds a fact of its own.
 */
import { parseTagged } from '../../prompts.js';
import type { ContentBlock, Message, ModelRequest, ToolDefinition, ToolResultBlock, ToolUseBlock } from '../types.js';
import { buildArgs, type ArgHints } from './args.js';
import { stems } from './agents.js';
import { keywords } from './text.js';
import { unwrapToolResult } from './turn-state.js';
import type { TurnReply } from './worker.js';

/** Tools a generic routine never calls on its own: coordination, writing, and its output tool. */
const PASSIVE = new Set(['ask_coordinator', 'store_artifact', 'get_artifact', 'list_artifacts', 'write_file', 'edit_file', 'format_document']);

/** Tools that destroy something are called only when the task says so. */
const DESTRUCTIVE = /\b(?:delete|remove|drop|destroy|erase|purge|wipe)|(?:^|_)(?:delete|remove|drop|destroy|erase|purge|wipe)/i;

interface Exchange {
  name: string;
  input: unknown;
  result: string;
  isError: boolean;
}

export function genericTurn(request: ModelRequest): TurnReply {
  const first = request.messages[0];
  const firstText = first ? textOf(first) : '';
  const task = (parseTagged(firstText, 'task')[0]?.body ?? firstText).replace(/\s*\(part of the task: [\s\S]*\)\s*$/, '').trim();
  const inputs = parseTagged(firstText, 'input').map((b) => b.body);
  const exchanges = readExchanges(request.messages);
  const tools = (request.tools ?? []).filter((t): t is ToolDefinition => 'input_schema' in t);
  const outputTool = outputToolIn(request.system, tools);
  const terms = keywords(task, 6);
  const hints: ArgHints = { query: terms.join(' '), text: task, ...pathHint(task) };

  if (exchanges.length === 0) {
    const calls = pickTools(task, tools, outputTool).map((t) => ({ name: t.name, input: buildArgs(t.input_schema, hints) }));
    if (calls.length > 0) return { kind: 'tools', calls };
  }
  // A search found files: read the first few, once.
  const search = exchanges.find((e) => e.name === 'search_files' && !e.isError);
  const reader = tools.find((t) => t.name === 'read_file');
  if (search && reader && !exchanges.some((e) => e.name === 'read_file')) {
    const paths = [...new Set([...search.result.matchAll(/(?:^|\s)((?:[\w@.-]+\/)*[\w@-][\w@.-]*\.[A-Za-z0-9]{1,6})(?=[\s:),]|$)/gm)].map((m) => m[1]!))].slice(0, 3);
    if (paths.length > 0) return { kind: 'tools', calls: paths.map((p) => ({ name: 'read_file', input: buildArgs(reader.input_schema, { path: p }) })) };
  }
  const answer = answerFrom(task, exchanges.filter((e) => e.name !== outputTool?.name), inputs);
  if (outputTool) {
    const tries = exchanges.filter((e) => e.name === outputTool.name).length;
    if (tries < 3) {
      const summary = answer.split('\n').slice(0, 12).join('\n');
      return { kind: 'tools', calls: [{ name: outputTool.name, input: buildArgs(outputTool.input_schema, { summary, text: summary, content: summary, query: terms.join(' ') }) }] };
    }
  }
  return { kind: 'answer', text: answer };
}

/** The output tool the system prompt names ("call X with your result"), when the agent has one. */
function outputToolIn(system: string | undefined, tools: ToolDefinition[]): ToolDefinition | undefined {
  const name = /When you are done, call ([A-Za-z0-9_-]+) with your result/.exec(system ?? '')?.[1];
  return name ? tools.find((t) => t.name === name) : undefined;
}

/** The tools worth calling for this task: those sharing the most words with it, at most three. */
function pickTools(task: string, tools: ToolDefinition[], outputTool: ToolDefinition | undefined): ToolDefinition[] {
  const words = stems(task);
  const candidates = tools.filter((t) => !PASSIVE.has(t.name) && t.name !== outputTool?.name);
  const scored = candidates
    .map((t) => {
      const own = stems(`${t.name.replace(/^mcp__[^_]+(?:_[^_]+)*?__/, '').replace(/[_-]/g, ' ')} ${t.description}`);
      return { t, score: [...words].filter((w) => own.has(w)).length };
    })
    .filter((x) => x.score > 0 && (!DESTRUCTIVE.test(x.t.name) || DESTRUCTIVE.test(task)))
    .sort((a, b) => b.score - a.score);
  // Only the best matches: a tool that shares fewer words with the task is not what it asks for.
  const picked = scored.filter((x) => x.score === scored[0]!.score).slice(0, 3).map((x) => x.t);
  if (picked.length === 0) {
    const search = candidates.find((t) => t.name === 'search_files');
    if (search) picked.push(search);
  }
  return picked;
}

/** A path mentioned in the task (`/srv/notes`, `notes/a.md`, "report.txt"), as a hint for path arguments; else the current folder. */
function pathHint(task: string): ArgHints {
  const m =
    /(?:^|[\s"'`(])((?:\.{0,2}\/)?[\w@.-]+(?:\/[\w@.-]+)+|\/[\w@.-]+)(?=[\s"'`),]|[.,;]?$|[.,;]\s)/.exec(task) ??
    /(?:^|[\s"'`(])([\w@-][\w@.-]*\.[A-Za-z0-9]{1,6})(?=[\s"'`),]|[.,;]?$|[.,;]\s)/.exec(task);
  return { path: m ? m[1]!.replace(/[.,;]$/, '') : '.' };
}

function answerFrom(task: string, exchanges: Exchange[], inputs: string[]): string {
  const lines = [`Findings for: ${task}`, ''];
  let used = 0;
  for (const e of exchanges) {
    const body = unwrapToolResult(e.result).split('\n').map((l) => l.trimEnd()).filter((l) => l.trim());
    lines.push(`From \`${e.name}\`${e.isError ? ' (it failed)' : ''}:`);
    for (const l of body.slice(0, 20)) lines.push(`> ${l.slice(0, 300)}`);
    if (body.length > 20) lines.push(`> [${body.length - 20} more line(s)]`);
    lines.push('');
    used++;
  }
  for (const i of inputs) {
    lines.push('From my input:', ...i.split('\n').slice(0, 20).map((l) => `> ${l}`), '');
    used++;
  }
  if (used === 0) lines.push('No findings: no tool of this agent matched the task, and it had no input.');
  return lines.join('\n').trim();
}

function readExchanges(messages: Message[]): Exchange[] {
  const uses = new Map<string, ToolUseBlock>();
  const out: Exchange[] = [];
  for (const m of messages) {
    if (typeof m.content === 'string') continue;
    for (const b of m.content) {
      if (b.type === 'tool_use') uses.set(b.id, b);
      if (b.type === 'tool_result') {
        const use = uses.get(b.tool_use_id);
        out.push({ name: use?.name ?? '?', input: use?.input, result: resultText(b), isError: b.is_error === true });
      }
    }
  }
  return out;
}

function textOf(m: Message): string {
  return typeof m.content === 'string' ? m.content : m.content.map((b: ContentBlock) => (b.type === 'text' ? b.text : '')).join('\n');
}

function resultText(b: ToolResultBlock): string {
  return typeof b.content === 'string' ? b.content : b.content.map((c) => c.text).join('\n');
}
