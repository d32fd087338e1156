/**
 * What an offline worker turn knows: the task, the inputs from earlier subtasks, the tool
 * calls made so far in this round and their results, and the tools on offer. Read from
 * the request alone, so every turn is a pure function of the conversation.
 */
import { parseTagged } from '../../prompts.js';
import type { Message, ModelRequest, ToolDefinition, ToolResultBlock, ToolUseBlock } from '../types.js';
import { buildArgs, type ArgHints } from './args.js';

export type ToolCall = { name: string; input: Record<string, unknown> };
export type TurnReply = { kind: 'tools'; calls: ToolCall[] } | { kind: 'answer'; text: string };

export interface ToolExchange {
  name: string;
  input: unknown;
  result: string;
  isError: boolean;
}

/** What the worker's conversation holds so far. */
export interface WorkerState {
  task: string;
  inputs: Array<{ from: string; subtask: string; body: string }>;
  exchanges: ToolExchange[];
  turn: number;
  tools: Map<string, ToolDefinition>;
}

export function readState(request: ModelRequest): WorkerState {
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
export function coreTask(task: string): string {
  return task.replace(/\s*\(part of the task: [\s\S]*\)\s*$/, '').trim();
}

/** The whole task a part belongs to (the planner's note), or the task itself. */
export function wholeTask(task: string): string {
  return /\(part of the task: "([\s\S]*)"\)\s*$/.exec(task)?.[1]?.trim() ?? coreTask(task);
}

/** A call to one of the worker's tools with arguments built from its schema, if it has the tool. */
export function call(state: WorkerState, name: string, hints: ArgHints): ToolCall | undefined {
  const def = state.tools.get(name);
  if (!def) return undefined;
  return { name, input: buildArgs(def.input_schema, hints) };
}

/**
 * The content of a tool result without the wrapper that marks outside data: the lines
 * between a first-line opening tag (`<untrusted-data source="…">` or a similar wrapper)
 * and its closing tag, and without the notice after it. Other text is returned as it is.
 */
export function unwrapToolResult(text: string): string {
  const lines = text.split('\n');
  const open = /^<([a-z][\w-]*(?:untrusted|external|data|tool-output)[\w-]*)\b[^>]*>$/i.exec(lines[0]?.trim() ?? '');
  if (open) {
    const close = lines.findLastIndex((l) => l.trim() === `</${open[1]}>`);
    if (close > 0) return lines.slice(1, close).join('\n');
  }
  const inline = /<(untrusted-data[\w-]*)[^>]*>\n?([\s\S]*?)\n?<\/\1>/.exec(text);
  return inline ? inline[2]! : text;
}
