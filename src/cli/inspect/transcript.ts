/**
 * `mailroom transcript <id> <agent>`: an agent's conversation, readable. Each message
 * with its role and time; tool calls with their inputs and tool results abbreviated
 * (`--full` shows everything); errors and failure notes marked with `!!`.
 */
import type { TranscriptLine } from '../../agent/transcript.js';
import type { ContentBlock } from '../../model/types.js';
import { abbreviate, block, formatTokens, oneLine, plural, truncate } from './format.js';

export { loadTranscript } from '../../inspect/transcript.js';

function time(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function resultText(content: string | Array<{ type: string; text?: string }>): string {
  return typeof content === 'string' ? content : content.map((b) => b.text ?? `[${b.type}]`).join('\n');
}

export interface TranscriptFormatOptions {
  /** Show whole texts and tool results instead of abbreviating them. */
  full?: boolean;
  columns?: number;
}

/** The text `transcript` prints. */
export function formatTranscript(agent: string, lines: TranscriptLine[], opts: TranscriptFormatOptions = {}): string {
  const width = Math.max(60, (opts.columns ?? 120) - 6);
  const many = opts.full ? Number.MAX_SAFE_INTEGER : 0;
  const textLines = many || 12;
  const resultLines = many || 4;
  const inputWidth = opts.full ? Number.MAX_SAFE_INTEGER : Math.min(width, 160);
  const lineWidth = opts.full ? Number.MAX_SAFE_INTEGER : width;
  const out: string[] = [];
  if (lines.length === 0) return `${agent}: the transcript is empty (the agent has not started, or never wrote one)\n`;
  const attempts = new Set(lines.map((l) => l.attempt));
  out.push(`${agent}: ${plural(lines.length, 'transcript line')}, ${plural(attempts.size, 'attempt')}`);
  // tool_use id -> tool name, so a result can say which call it answers.
  const toolNames = new Map<string, string>();
  let attempt: number | undefined;
  let turn = 0;
  for (const l of lines) {
    if (l.attempt !== attempt) {
      attempt = l.attempt;
      turn = 0;
      out.push('', `=== attempt ${l.attempt} ===`);
    }
    out.push('');
    if (l.kind === 'system') {
      out.push(`[system] ${time(l.t)}  tools: ${l.tools.length ? l.tools.join(', ') : '(none)'}`);
      out.push(...block(l.content, '  ', opts.full ? Number.MAX_SAFE_INTEGER : 3, lineWidth));
      continue;
    }
    if (l.kind === 'note') {
      const bad = /^(failed|error)/i.test(l.text);
      out.push(`${bad ? '!! ' : ''}[note] ${time(l.t)}`);
      out.push(...block(l.text, '  ', opts.full ? Number.MAX_SAFE_INTEGER : 6, lineWidth));
      continue;
    }
    const m = l.message;
    const blocks: ContentBlock[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (m.role === 'assistant') {
      turn++;
      const usage = l.usage ? `, ${formatTokens(l.usage.input_tokens)} in / ${formatTokens(l.usage.output_tokens)} out` : '';
      out.push(`[assistant] ${time(l.t)}  turn ${turn}${l.stop_reason ? `, ${l.stop_reason}` : ''}${usage}`);
    } else {
      const isResults = blocks.length > 0 && blocks.every((b) => b.type === 'tool_result');
      out.push(`[${isResults ? 'tool results' : 'user'}] ${time(l.t)}`);
    }
    for (const b of blocks) {
      switch (b.type) {
        case 'text':
          out.push(...block(b.text, '  ', textLines, lineWidth));
          break;
        case 'tool_use':
          toolNames.set(b.id, b.name);
          out.push(`  -> ${b.name} ${abbreviate(b.input, inputWidth)}`);
          break;
        case 'tool_result': {
          const name = toolNames.get(b.tool_use_id) ?? b.tool_use_id;
          const text = resultText(b.content);
          const n = text.split('\n').length;
          out.push(`  ${b.is_error ? '!! ' : ''}<- ${name}${b.is_error ? ' ERROR' : ''}  (${plural(n, 'line')}, ${formatTokens(text.length)} chars)`);
          out.push(...block(text, '     ', resultLines, lineWidth));
          break;
        }
        default:
          // Server tool blocks (web_search, web_fetch) are kept verbatim; one line is enough here.
          out.push(`  [${b.type}] ${truncate(oneLine(abbreviate(b, inputWidth)), inputWidth)}`);
      }
    }
  }
  return out.join('\n') + '\n';
}
