/**
 * Key names of one session's mailboxes in Redis. Agent ids are [a-z0-9_-], so the `:`
 * suffixes below can never collide with another agent's stream.
 */
import { assertAgentId } from '../maildir.js';

/** The consumer group of every mailbox stream: there is one reader per mailbox. */
export const READER_GROUP = 'reader';

const PREFIX = 'mailroom';

export function sessionPrefix(sessionId: string): string {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(sessionId)) throw new Error(`invalid session id for a Redis key: ${JSON.stringify(sessionId)}`);
  return `${PREFIX}:${sessionId}`;
}

/** `mailroom:<session>:<agent>`: the mailbox stream. */
export function mailboxStreamKey(sessionId: string, agentId: string): string {
  assertAgentId(agentId);
  return `${sessionPrefix(sessionId)}:${agentId}`;
}

/** The keys that belong to one mailbox. */
export function mailboxKeys(sessionId: string, agentId: string) {
  const stream = mailboxStreamKey(sessionId, agentId);
  return {
    stream,
    /** Dead-letter stream: fields entry (original id), reason, raw. */
    dead: `${stream}:dead`,
    /** Set of handled message ids (the role of cur/ for dedupe). */
    handled: `${stream}:handled`,
    /** The reader lock: value = the reader's consumer name, with a TTL. */
    lock: `${stream}:lock`,
  };
}

/** Set of the session's mailbox agent ids, for listing. */
export function mailboxIndexKey(sessionId: string): string {
  return `${sessionPrefix(sessionId)}:mailboxes`;
}
