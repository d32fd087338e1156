/**
 * The agent run loop: call the model, run the tools it asks for, feed the results back,
 * until it answers. Limits on turns, tokens and wall time are checked every turn; stop
 * reasons each have one explicit meaning.
 */
import { LimitExceededError, ModelStopError, describeError } from '../errors.js';
import type { ContentBlock, Message, Model, ModelResponse, ServerToolDefinition, StopReason, ToolDefinition, ToolResultBlock, ToolUseBlock, Usage } from '../model/types.js';
import { addUsage, textOf, ZERO_USAGE } from '../model/types.js';
import { runTool } from '../tools/run.js';
import type { Tool, ToolContext } from '../tools/types.js';
import { continueAfterMaxTokens } from '../model/continuation.js';

export interface AgentLoopLimits {
  maxTurns: number;
  maxTokens: number;
}

export interface AgentLoopOptions {
  model: Model;
  modelId?: string;
  system: string;
  /** The conversation so far: the task message, or a transcript to continue. */
  messages: Message[];
  tools: Tool[];
  /** What the model is sent of `tools` (worker/tools.ts makes them). */
  toolDefinitions: ToolDefinition[];
  serverTools?: ServerToolDefinition[];
  limits: AgentLoopLimits;
  /** Aborted on shutdown or when the wall clock runs out; the loop stops at once. */
  signal: AbortSignal;
  toolContext: ToolContext;
  agentId: string;
  role: string;
  /** Called for every message added to the conversation, before anything else happens. */
  onMessage(message: Message, extra?: { stop_reason?: StopReason | null; usage?: Usage }): void;
  /** Called after each completed turn. */
  onTurn?(turn: number, usage: Usage): Promise<void> | void;
  /** Messages from the coordinator that arrived since the last turn; injected before the next model call. */
  drainInbox?(): string[];
  /** How many times to ask the model to continue after `max_tokens` before failing. */
  maxContinuations?: number;
  /**
   * The agent's structured-output tool, when its definition has an outputSchema: a call
   * that passes validation ends the loop with its input as the structured result.
   */
  outputTool?: string;
  /**
   * Asked before each tool call: a call that needs a person waits here for the reply. A
   * denial becomes the call's error result, with the person's reason, and the tool never runs.
   */
  approve?(block: ToolUseBlock): Promise<{ ok: true } | { ok: false; reason: string }>;
}

/** What a denied call returns to the model. */
export function denialText(reason: string): string {
  return `A person denied this tool call, so it did not run. Their reason: ${reason}`;
}

export interface AgentLoopResult {
  output: string;
  turns: number;
  usage: Usage;
  /** The parsed input of the output tool, when the agent has one. */
  structured?: unknown;
  /** The whole conversation at the end, to continue from in a later round. */
  messages: Message[];
}

export async function runAgentLoop(opts: AgentLoopOptions): Promise<AgentLoopResult> {
  const messages = [...opts.messages];
  const toolDefs = [...opts.toolDefinitions, ...(opts.serverTools ?? [])];
  let usage: Usage = { ...ZERO_USAGE };
  let turns = 0;
  let continuations = 0;
  let structured: unknown;
  let nudges = 0;
  const partialText: string[] = [];

  // A transcript that already ends in a final answer needs no model call at all.
  const last = messages.at(-1);
  if (last?.role === 'assistant' && !hasToolUse(last.content)) {
    return { output: textOf(last.content), turns: 0, usage, messages };
  }

  /** Runs (or, denied, refuses) every tool call of one assistant message; returns the results. */
  const runCalls = async (content: ContentBlock[]): Promise<{ results: ContentBlock[]; finished: boolean }> => {
    const results: ContentBlock[] = [];
    let finished = false;
    for (const block of content) {
      if (block.type !== 'tool_use') continue;
      opts.signal.throwIfAborted();
      const gate = opts.approve ? await opts.approve(block) : { ok: true as const };
      if (!gate.ok) {
        results.push({ type: 'tool_result', tool_use_id: block.id, content: denialText(gate.reason), is_error: true } satisfies ToolResultBlock);
        continue;
      }
      const r = await raceAbort(runTool(opts.tools, block.name, block.input, opts.toolContext), opts.signal);
      if (opts.outputTool !== undefined && block.name === opts.outputTool && !r.isError && !finished) {
        // runTool validated the input against the schema; its output is the parsed JSON.
        structured = JSON.parse(r.content) as unknown;
        finished = true;
      }
      results.push({ type: 'tool_result', tool_use_id: block.id, content: finished && block.name === opts.outputTool ? 'Accepted.' : r.content, ...(r.isError ? { is_error: true } : {}) } satisfies ToolResultBlock);
    }
    return { results, finished };
  };

  // A transcript kept up to calls that were waiting for a person (a respawn continues
  // them): the calls run, as the person said, before any model call.
  if (last?.role === 'assistant' && typeof last.content !== 'string' && hasToolUse(last.content)) {
    const { results, finished } = await runCalls(last.content);
    const user: Message = { role: 'user', content: results };
    messages.push(user);
    opts.onMessage(user);
    if (finished) return { output: JSON.stringify(structured, null, 2), turns, usage, structured, messages };
  }

  for (;;) {
    opts.signal.throwIfAborted();
    if (turns >= opts.limits.maxTurns) {
      throw new LimitExceededError('turns', `turn limit reached (${opts.limits.maxTurns} turns) without a final answer`);
    }
    injectInbox(messages, opts);
    const response: ModelResponse = await opts.model.createMessage(
      {
        model: opts.modelId,
        system: opts.system,
        messages,
        tools: toolDefs.length > 0 ? toolDefs : undefined,
        metadata: { agentId: opts.agentId, role: opts.role, purpose: 'turn' },
      },
      { signal: opts.signal },
    );
    turns++;
    usage = addUsage(usage, response.usage);
    const assistant: Message = { role: 'assistant', content: response.content };
    messages.push(assistant);
    opts.onMessage(assistant, { stop_reason: response.stop_reason, usage: response.usage });
    // A turn that ends the loop with an error was still paid for: report it before throwing.
    const fail = async (err: Error): Promise<never> => {
      await opts.onTurn?.(turns, usage);
      throw err;
    };
    const spent = usage.input_tokens + usage.output_tokens;
    if (spent > opts.limits.maxTokens) {
      return fail(new LimitExceededError('tokens', `token limit reached (${spent} of ${opts.limits.maxTokens} tokens)`));
    }

    const stop = response.stop_reason ?? 'end_turn';
    if (stop === 'tool_use') {
      const { results, finished } = await runCalls(response.content);
      const user: Message = { role: 'user', content: results };
      messages.push(user);
      opts.onMessage(user);
      await opts.onTurn?.(turns, usage);
      if (finished) {
        // The result is the JSON itself, so dependents and synthesis receive it as JSON.
        return { output: JSON.stringify(structured, null, 2), turns, usage, structured, messages };
      }
      continue;
    }
    if (stop === 'pause_turn') {
      // A server tool paused a long turn; sending the conversation back lets it resume.
      await opts.onTurn?.(turns, usage);
      continue;
    }
    if (stop === 'max_tokens') {
      let user: Message;
      try {
        user = continueAfterMaxTokens(response.content, continuations, 'the model', opts.maxContinuations);
      } catch (err) {
        return fail(err as Error);
      }
      continuations++;
      partialText.push(textOf(response.content));
      messages.push(user);
      opts.onMessage(user);
      await opts.onTurn?.(turns, usage);
      continue;
    }
    if (stop === 'refusal') {
      return fail(new ModelStopError('refusal', 'the model refused this subtask (stop_reason "refusal")'));
    }
    if (stop === 'model_context_window_exceeded') {
      return fail(new ModelStopError('model_context_window_exceeded', "the conversation no longer fits the model's context window"));
    }
    if (opts.outputTool !== undefined && nudges < 2) {
      // A structured agent must end with its output tool; a plain answer gets a reminder.
      nudges++;
      const user: Message = { role: 'user', content: `Call ${opts.outputTool} with your result: your work ends with that call, not with text.` };
      messages.push(user);
      opts.onMessage(user);
      await opts.onTurn?.(turns, usage);
      continue;
    }
    await opts.onTurn?.(turns, usage);
    if (opts.outputTool !== undefined) {
      throw new ModelStopError('end_turn', `the agent answered in text ${nudges + 1} times without calling its output tool ${opts.outputTool}`);
    }
    return { output: [...partialText, textOf(response.content)].join(''), turns, usage, structured, messages };
  }
}

function hasToolUse(content: string | ContentBlock[]): boolean {
  return typeof content !== 'string' && content.some((b) => b.type === 'tool_use');
}

/** Puts coordinator messages into the conversation as a user turn the model will see. */
function injectInbox(messages: Message[], opts: AgentLoopOptions): void {
  const inbox = opts.drainInbox?.() ?? [];
  if (inbox.length === 0) return;
  const text = inbox.map((m) => `<coordinator-message>\n${m}\n</coordinator-message>`).join('\n');
  const last = messages.at(-1);
  if (last?.role === 'user') {
    // Keep user/assistant alternation: add to the pending user turn instead of a new one.
    const blocks: ContentBlock[] = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content];
    blocks.push({ type: 'text', text });
    last.content = blocks;
    opts.onMessage({ role: 'user', content: [{ type: 'text', text }] });
  } else {
    const user: Message = { role: 'user', content: text };
    messages.push(user);
    opts.onMessage(user);
  }
}

/** Resolves with the promise, or rejects when the signal aborts; a hung tool cannot hold the loop. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error(describeError(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
