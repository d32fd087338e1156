/**
 * The one `max_tokens` continuation rule, for the agent loop and for synthesis alike: a
 * text answer cut off by max_tokens is continued (up to a bound) by asking for the rest;
 * one cut off inside a tool call, or cut off too often, fails with a named cause.
 */
import { ModelStopError } from '../errors.js';
import type { ContentBlock, Message } from './types.js';

/** The user turn that asks the model for the rest of its answer. */
export const CONTINUE_PROMPT = 'Continue exactly where you stopped, without repeating anything.';

/** Continuations allowed after the first cut-off answer, unless the caller says otherwise. */
export const DEFAULT_MAX_CONTINUATIONS = 2;

/**
 * What to send after a response that stopped on max_tokens, `continuations` having been
 * asked for already. Throws ModelStopError when the answer cannot be continued.
 * `who` names the caller in the error ("the model", "the synthesis").
 */
export function continueAfterMaxTokens(content: string | ContentBlock[], continuations: number, who: string, max = DEFAULT_MAX_CONTINUATIONS): Message {
  if (typeof content !== 'string' && content.some((b) => b.type === 'tool_use')) {
    throw new ModelStopError('max_tokens', `${who} hit max_tokens in the middle of a tool call; raise max_tokens or simplify the task`);
  }
  if (continuations >= max) {
    throw new ModelStopError('max_tokens', `${who} hit max_tokens ${continuations + 1} times in a row; its answer is incomplete`);
  }
  return { role: 'user', content: CONTINUE_PROMPT };
}
