/**
 * Rebuilds one assistant message from the Messages API's stream events (message_start,
 * content_block_start / _delta / _stop, message_delta, message_stop).
 *
 * We accumulate ourselves instead of using the SDK's MessageStream for two reasons: a tool
 * call whose input is not valid JSON must come back as a tool call the agent can answer
 * with a tool error (MessageStream rejects the whole message), and a stream that stops
 * before `message_stop` must be detectable as incomplete (an aborted body just ends).
 */
import type { ContentBlock, StopReason, Usage } from './types.js';

/** The subset of a stream event this accumulator reads; unknown events are ignored. */
export interface StreamEvent {
  type: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: Partial<Record<string, unknown>> };
  content_block?: Record<string, unknown>;
  delta?: Record<string, unknown>;
  usage?: Partial<Record<string, unknown>>;
}

/** The message a complete stream delivered. */
export interface StreamedMessage {
  id: string;
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  usage: Usage;
  /** Names of tool calls whose streamed input did not parse as JSON (kept as raw text). */
  malformedToolInputs: string[];
}

type Block = Record<string, unknown>;

const USAGE_FIELDS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

export class MessageAccumulator {
  private id = '';
  private model = '';
  private readonly blocks: Block[] = [];
  /** Raw tool-input JSON per block index, joined from input_json_delta pieces. */
  private readonly inputJson = new Map<number, string>();
  private stopReason: StopReason | null = null;
  private readonly usage: Usage = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  private readonly malformed: string[] = [];
  /** True once message_start arrived: from then on the request was accepted. */
  started = false;
  /** True once message_stop arrived: only then is the message whole. */
  complete = false;

  add(event: StreamEvent): void {
    switch (event.type) {
      case 'message_start': {
        this.started = true;
        this.id = event.message?.id ?? '';
        this.model = event.message?.model ?? '';
        this.mergeUsage(event.message?.usage);
        break;
      }
      case 'content_block_start': {
        if (event.index === undefined || !event.content_block) break;
        const block = { ...event.content_block };
        this.blocks[event.index] = block;
        break;
      }
      case 'content_block_delta': {
        const block = event.index === undefined ? undefined : this.blocks[event.index];
        if (!block || !event.delta) break;
        this.applyDelta(event.index!, block, event.delta);
        break;
      }
      case 'content_block_stop': {
        if (event.index !== undefined) this.finishBlock(event.index);
        break;
      }
      case 'message_delta': {
        const reason = event.delta?.stop_reason;
        if (typeof reason === 'string') this.stopReason = reason as StopReason;
        this.mergeUsage(event.usage);
        break;
      }
      case 'message_stop':
        this.complete = true;
        break;
      default:
        // ping, and event types newer than this code: nothing to keep.
        break;
    }
  }

  result(): StreamedMessage {
    // A block whose stop never came (impossible in a complete stream) still gets its input parsed.
    for (const index of [...this.inputJson.keys()]) this.finishBlock(index);
    return {
      id: this.id,
      model: this.model,
      content: this.blocks.filter((b) => b !== undefined) as unknown as ContentBlock[],
      stop_reason: this.stopReason,
      usage: { ...this.usage },
      malformedToolInputs: [...this.malformed],
    };
  }

  private applyDelta(index: number, block: Block, delta: Record<string, unknown>): void {
    switch (delta.type) {
      case 'text_delta':
        block.text = String(block.text ?? '') + String(delta.text ?? '');
        break;
      case 'input_json_delta':
        // tool_use, server_tool_use and other tool-call blocks all stream their input this way.
        if ('input' in block) this.inputJson.set(index, (this.inputJson.get(index) ?? '') + String(delta.partial_json ?? ''));
        break;
      case 'citations_delta':
        block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation];
        break;
      case 'thinking_delta':
        block.thinking = String(block.thinking ?? '') + String(delta.thinking ?? '');
        break;
      case 'signature_delta':
        block.signature = delta.signature;
        break;
      default:
        break;
    }
  }

  /** Parses a tool block's joined input; invalid JSON is kept as the raw text, and noted. */
  private finishBlock(index: number): void {
    const raw = this.inputJson.get(index);
    this.inputJson.delete(index);
    const block = this.blocks[index];
    if (raw === undefined || !block) return;
    if (raw.trim() === '') return; // no input deltas: the start block's input ({}) stands
    try {
      block.input = JSON.parse(raw) as unknown;
    } catch {
      block.input = raw;
      this.malformed.push(String(block.name ?? block.type));
    }
  }

  /** Later events carry final counts; a null or absent field keeps the earlier value. */
  private mergeUsage(u: Partial<Record<string, unknown>> | undefined): void {
    if (!u) return;
    for (const field of USAGE_FIELDS) {
      const v = u[field];
      if (typeof v === 'number') this.usage[field] = v;
    }
  }
}
