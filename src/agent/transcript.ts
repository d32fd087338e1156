/**
 * An agent's conversation on disk: `transcript.jsonl`, one line per message, appended as
 * it goes so a person can `tail -f` it and a new attempt can continue from it.
 */
import fs from 'node:fs';
import type { ContentBlock, Message, StopReason, Usage } from '../model/types.js';
import { readJsonl } from '../util/fs.js';

export type TranscriptLine =
  | { t: number; kind: 'system'; attempt: number; content: string; tools: string[] }
  | { t: number; kind: 'message'; attempt: number; message: Message; stop_reason?: StopReason | null; usage?: Usage }
  | { t: number; kind: 'note'; attempt: number; text: string };

export class Transcript {
  constructor(
    readonly file: string,
    private readonly attempt: number,
  ) {}

  /** Appends synchronously: the line must be on disk before the next step can crash. */
  private write(line: TranscriptLine): void {
    fs.appendFileSync(this.file, JSON.stringify(line) + '\n');
  }

  system(content: string, tools: string[]): void {
    this.write({ t: Date.now(), kind: 'system', attempt: this.attempt, content, tools });
  }

  message(message: Message, extra?: { stop_reason?: StopReason | null; usage?: Usage }): void {
    this.write({ t: Date.now(), kind: 'message', attempt: this.attempt, message, ...extra });
  }

  note(text: string): void {
    this.write({ t: Date.now(), kind: 'note', attempt: this.attempt, text });
  }

  static read(file: string): Promise<TranscriptLine[]> {
    return readJsonl<TranscriptLine>(file);
  }
}

/** The note a worker writes when a tool call starts waiting for a person. */
export const AWAITING_PERSON_NOTE = 'awaiting a person: request ';

/**
 * The conversation to continue from: the messages of the latest attempt, cut back to the
 * last complete turn. A turn is complete when every tool_use has its tool_result; an
 * assistant message whose tools never returned is dropped so that turn runs again, unless
 * its calls were waiting for a person: then it is kept, and the calls go on as the person
 * says, with no new model call.
 */
export function resumableMessages(lines: TranscriptLine[]): Message[] {
  // A fresh attempt starts with a `system` line; only the latest conversation counts.
  const start = lines.findLastIndex((l) => l.kind === 'system');
  const lastMessage = lines.findLastIndex((l) => l.kind === 'message');
  const awaiting = lines.slice(lastMessage + 1).some((l) => l.kind === 'note' && l.text.startsWith(AWAITING_PERSON_NOTE));
  const messages: Message[] = [];
  for (const l of lines.slice(Math.max(0, start))) {
    if (l.kind !== 'message') continue;
    const prev = messages.at(-1);
    if (prev && prev.role === l.message.role) {
      // An injected coordinator message was logged as its own line; fold it back in.
      prev.content = [...asBlocks(prev.content), ...asBlocks(l.message.content)];
    } else {
      messages.push({ ...l.message });
    }
  }
  while (messages.length > 0 && !awaiting) {
    const last = messages.at(-1)!;
    if (last.role === 'assistant' && typeof last.content !== 'string' && last.content.some((b) => b.type === 'tool_use')) {
      messages.pop();
      continue;
    }
    break;
  }
  return messages;
}

function asBlocks(content: string | ContentBlock[]): ContentBlock[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}
