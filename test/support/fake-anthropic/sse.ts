/**
 * Encodes a message as the Messages API's SSE event sequence:
 * message_start, ping, per block content_block_start / content_block_delta... /
 * content_block_stop, then message_delta and message_stop.
 */
import type { ApiErrorBody, ApiMessage } from './shapes.js';
import type { FakeBlock } from './types.js';

export interface SseEvent {
  event: string;
  data: unknown;
}

/** `event: <name>\ndata: <json>\n\n`, the API's framing (one data line per event). */
export function frame(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export function errorEvent(body: ApiErrorBody): SseEvent {
  return { event: 'error', data: body };
}

/**
 * Splits by code points (never inside a surrogate pair) into `parts` pieces of near-equal
 * size; fewer when the text is shorter.
 */
export function splitInto(text: string, parts: number): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.ceil(chars.length / Math.max(1, Math.min(parts, chars.length)));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));

/** The events of one content block at `index`. `rawInput` replaces a tool's JSON input text. */
export function blockEvents(block: FakeBlock, index: number, rawInput?: string): SseEvent[] {
  const b = block as Record<string, unknown>;
  const events: SseEvent[] = [];
  const delta = (d: Record<string, unknown>): void => {
    events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: d } });
  };

  if (b.type === 'text' && typeof b.text === 'string') {
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { ...b, text: '' } } });
    const text = b.text;
    for (const piece of splitInto(text, clamp(Math.ceil(text.length / 8), 1, 24))) delta({ type: 'text_delta', text: piece });
  } else if (b.type === 'tool_use' || b.type === 'server_tool_use') {
    // The API opens a tool block with an empty input, then streams its JSON as text: a first
    // empty partial_json, then pieces that only parse once joined.
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { ...b, input: {} } } });
    const json = rawInput ?? JSON.stringify(b.input ?? {});
    delta({ type: 'input_json_delta', partial_json: '' });
    for (const piece of splitInto(json, clamp(Math.ceil(json.length / 12), 2, 16))) {
      delta({ type: 'input_json_delta', partial_json: piece });
    }
  } else {
    // Result blocks (web_search_tool_result...) arrive whole in content_block_start.
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: b } });
  }
  events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  return events;
}

/**
 * The complete event sequence for `message`. `rawInputs` maps block indexes to raw tool
 * input text (for malformed input that JSON.stringify could not produce).
 */
export function messageEvents(message: ApiMessage, rawInputs: Map<number, string> = new Map()): SseEvent[] {
  const { usage } = message;
  const start: SseEvent = {
    event: 'message_start',
    data: {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // The API reports input and cache counts up front and a token or so of output; the
        // final output count arrives in message_delta.
        usage: { ...usage, output_tokens: Math.min(1, usage.output_tokens) },
      },
    },
  };
  const events: SseEvent[] = [start, { event: 'ping', data: { type: 'ping' } }];
  message.content.forEach((block, i) => events.push(...blockEvents(block, i, rawInputs.get(i))));
  events.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
      usage: { output_tokens: usage.output_tokens },
    },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}
