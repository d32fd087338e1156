/**
 * Requests to people and their replies, on disk. A request is a message in the `human`
 * agent's Maildir (`approval_request`, or a `question` addressed to `human`); its reply is
 * `agents/human/replies/<id>.json`, created exclusively by the first person to answer, then
 * delivered to the requester's mailbox. Read-only here: no lock, no file moved.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import * as z from '../contracts/mini.js';
import type { EnvelopeOf } from '../contracts/envelope.js';
import type { PersonReplyKind } from '../contracts/journal.js';
import { listMailbox } from '../mailbox/inspect.js';
import { mailboxFolder } from '../mailbox/maildir.js';
import { HUMAN_ID, replyFile } from '../session/layout.js';
import { sha256Hex } from '../util/ids.js';

/** A request id: 6 hex characters derived from what is asked, so a repeat asks under the same id. */
export function requestId(...parts: string[]): string {
  return sha256Hex(parts.join('\u0000')).slice(0, 6);
}

export const ReplyRecordSchema = z.object({
  v: z.literal(1),
  requestId: z.string(),
  kind: z.enum(['approval', 'denial', 'answer']),
  /** The note (approval), the reason (denial) or the answer's text. */
  text: z.optional(z.string()),
  /** The agent the reply was delivered to. */
  to: z.string(),
  at: z.string(),
});
export type ReplyRecord = z.infer<typeof ReplyRecordSchema>;

/** A request to people as found in agents/human/. */
export interface StoredRequest {
  id: string;
  kind: 'approval' | 'question';
  /** The requester (a worker, or the coordinator). */
  from: string;
  subtask: string;
  /** The worker it is about (the requester, or the asking worker of a forwarded question). */
  agent: string;
  tool?: string;
  input?: unknown;
  /** One line: the tool call, or the question. */
  summary: string;
  origin?: string;
  context?: string;
  sentAt: number;
  reply?: ReplyRecord;
  envelope: EnvelopeOf<'approval_request'> | EnvelopeOf<'question'>;
}

/** What people are shown of a request (`mailroom pending`, the viewer): all but its envelope and reply. */
export type RequestShown = Omit<StoredRequest, 'envelope' | 'reply'>;

/** The request without its envelope and reply. */
export function shownOf(r: StoredRequest): RequestShown {
  const { envelope: _envelope, reply: _reply, ...shown } = r;
  return shown;
}

/** Reads a request's reply, if it has one. */
export function readReply(sessionDir: string, id: string): ReplyRecord | undefined {
  try {
    return ReplyRecordSchema.parse(JSON.parse(fs.readFileSync(replyFile(sessionDir, id), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Every request in the session's human mailbox (new and cur), oldest first, each with its reply if any. */
export async function listRequests(sessionDir: string): Promise<StoredRequest[]> {
  const messages = await listMailbox(sessionDir, HUMAN_ID, ['new', 'cur']).catch(() => []);
  const seen = new Set<string>();
  const out: StoredRequest[] = [];
  for (const m of messages) {
    const env = m.envelope;
    if (!env || seen.has(env.id)) continue;
    let req: Omit<StoredRequest, 'reply'> | undefined;
    if (env.type === 'approval_request') {
      const b = env.body;
      req = { id: env.id, kind: 'approval', from: env.from, subtask: b.subtask, agent: b.agent, tool: b.tool, input: b.input, summary: b.summary, sentAt: env.sentAt, envelope: env };
    } else if (env.type === 'question') {
      const b = env.body;
      req = { id: env.id, kind: 'question', from: env.from, subtask: b.subtask, agent: b.agent ?? env.from, summary: b.question, sentAt: env.sentAt, envelope: env, ...(b.origin ? { origin: b.origin } : {}), ...(b.context ? { context: b.context } : {}) };
    }
    if (!req) continue;
    seen.add(env.id);
    const reply = readReply(sessionDir, env.id);
    out.push({ ...req, ...(reply ? { reply } : {}) });
  }
  return out.sort((a, b) => a.sentAt - b.sentAt);
}

/** A file in the human mailbox's new/ that is no request to people, and why. */
export interface UnfitFile {
  name: string;
  reason: string;
}

/**
 * Files in the human mailbox's new/ that are not requests to people: unreadable, not an
 * envelope, or a message of another type or for another agent. The coordinator moves them
 * to dead/ with the reason (it is that mailbox's only reader).
 */
export async function unfitRequests(sessionDir: string): Promise<UnfitFile[]> {
  const messages = await listMailbox(sessionDir, HUMAN_ID, ['new']).catch(() => []);
  const out: UnfitFile[] = [];
  for (const m of messages) {
    const env = m.envelope;
    if (!env) out.push({ name: m.name, reason: m.error ?? 'not a valid envelope' });
    else if (env.to !== HUMAN_ID) out.push({ name: m.name, reason: `addressed to ${env.to}, not to ${HUMAN_ID}` });
    else if (env.type !== 'approval_request' && env.type !== 'question') out.push({ name: m.name, reason: `a ${env.type} message is no request to people` });
  }
  return out;
}

/** Whether a request with this id is already in the human mailbox (a respawn asking again). */
export async function hasRequest(sessionDir: string, id: string): Promise<boolean> {
  for (const folder of ['new', 'cur'] as const) {
    const names = await fsp.readdir(mailboxFolder(sessionDir, HUMAN_ID, folder)).catch(() => [] as string[]);
    if (names.some((n) => n.endsWith(`-${id}.json`))) return true;
  }
  return false;
}

/** The reply kinds a request accepts. */
export function acceptedReplies(kind: 'approval' | 'question'): PersonReplyKind[] {
  return kind === 'approval' ? ['approval', 'denial'] : ['answer'];
}
