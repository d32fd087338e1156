/**
 * What a failure code means for the next attempt: is it worth retrying, does the retry
 * continue from the transcript, and which agent.json status it leaves. One table, used by
 * the live run and by the journal fold alike, so the two cannot disagree.
 */
import type { ErrorCode } from '../errors.js';
import type { AgentStatus } from '../session/records.js';

/**
 * Codes worth another attempt: crashes, silence, and transient model trouble. An
 * allow-list, so that a new code is final until someone decides otherwise.
 */
export const RETRYABLE_CODES: readonly ErrorCode[] = [
  'E_CRASHED',
  'E_NO_HEARTBEAT',
  'E_MODEL',
  'E_MODEL_API',
  'E_MODEL_RATE_LIMIT',
  'E_MODEL_OVERLOADED',
  'E_MODEL_CONNECTION',
  'E_MODEL_TIMEOUT',
  'E_MODEL_STREAM_INCOMPLETE',
  'E_WORKER',
];

/**
 * Codes after which the worker's transcript is usable: the process died or went silent
 * mid-work, so the next attempt picks up its conversation instead of repeating model calls.
 * A failure the worker reported itself starts fresh.
 */
export const CONTINUE_CODES: readonly ErrorCode[] = ['E_CRASHED', 'E_NO_HEARTBEAT'];

export function isRetryable(code: string): boolean {
  return (RETRYABLE_CODES as readonly string[]).includes(code);
}

export function continuesFromTranscript(code: string): boolean {
  return (CONTINUE_CODES as readonly string[]).includes(code);
}

/** The agent.json status a failed attempt leaves. */
export function agentStatusForFailure(code: string): AgentStatus {
  if (continuesFromTranscript(code)) return 'crashed';
  if (code === 'E_TERMINATED') return 'terminated';
  return 'failed';
}
