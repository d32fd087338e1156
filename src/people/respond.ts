/**
 * `respond`: a person's reply to a request, as the CLI, the viewer and programs give it.
 * The first reply claims `agents/human/replies/<id>.json` (created whole and exclusively,
 * so of two people answering at once exactly one wins); the reply then goes to the
 * requester's mailbox through the mailbox API, and the request moves to the human
 * mailbox's cur/. A requester that missed the message (it crashed) finds the reply file.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { RequestAnsweredError, RequestNotFoundError, UsageError } from '../errors.js';
import type { PersonReplyKind } from '../contracts/journal.js';
import { mailboxFolder } from '../mailbox/maildir.js';
import { openSessionTransport } from '../mailbox/open.js';
import { HUMAN_ID, replyFile } from '../session/layout.js';
import { readSessionRecord } from '../session/store.js';
import { acceptedReplies, listRequests, readReply, type ReplyRecord, type StoredRequest } from './store.js';

/** A person's reply: approve (with an optional note), deny (with a reason), or answer. */
export type PersonReply = { kind: 'approval'; note?: string } | { kind: 'denial'; reason: string } | { kind: 'answer'; text: string };

export interface RespondOutcome {
  request: StoredRequest;
  reply: ReplyRecord;
}

export interface RespondOptions {
  /** The session's Redis (a redis-transport session answered from a process that has not registered it). */
  redisUrl?: string;
}

/** Answers request `requestId` of the session in `sessionDir`; refuses a request already answered. */
export async function respond(sessionDir: string, requestId: string, reply: PersonReply, opts: RespondOptions = {}): Promise<RespondOutcome> {
  const request = (await listRequests(sessionDir)).find((r) => r.id === requestId);
  if (!request) throw new RequestNotFoundError(requestId, sessionDir);
  if (request.reply) throw new RequestAnsweredError(requestId, { kind: request.reply.kind, at: request.reply.at });
  if (!acceptedReplies(request.kind).includes(reply.kind)) {
    const how = request.kind === 'approval' ? 'approve or deny it' : 'answer it';
    throw new UsageError(`request ${requestId} is ${request.kind === 'approval' ? 'an approval request' : 'a question'}: ${how}`);
  }
  const text = reply.kind === 'approval' ? reply.note : reply.kind === 'denial' ? reply.reason : reply.text;
  if (reply.kind !== 'approval' && !text?.trim()) throw new UsageError(reply.kind === 'denial' ? 'a denial needs a reason (--reason "...")' : 'an answer needs its text');
  const record: ReplyRecord = { v: 1, requestId, kind: reply.kind, to: request.from, at: new Date().toISOString(), ...(text ? { text } : {}) };
  // The requester's mailbox may be a Redis stream: find out before the claim, which is final.
  const session = await readSessionRecord(sessionDir);
  const transport = await openSessionTransport(sessionDir, { id: request.envelope.session, transport: session.transport }, opts);
  try {
    await claim(sessionDir, requestId, record);
    const sender = transport.sender({ from: HUMAN_ID, fsync: true });
    // A fixed id: a repeated delivery (a retry) is deduplicated by the requester.
    const how = { id: `re-${requestId}`, replyTo: requestId };
    if (reply.kind === 'approval') await sender.send(request.from, 'approval', reply.note ? { note: reply.note } : {}, how);
    else if (reply.kind === 'denial') await sender.send(request.from, 'denial', { reason: reply.reason }, how);
    else await sender.send(request.from, 'answer', { text: reply.text }, how);
  } finally {
    await transport.close();
  }
  await markAnswered(sessionDir, requestId);
  return { request, reply: record };
}

/** Creates the reply file whole (temp file, then an exclusive link); a second reply gets RequestAnsweredError. */
async function claim(sessionDir: string, requestId: string, record: ReplyRecord): Promise<void> {
  const file = replyFile(sessionDir, requestId);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(record, null, 2) + '\n', { flag: 'wx' });
  try {
    await fsp.link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const earlier = readReply(sessionDir, requestId);
      throw new RequestAnsweredError(requestId, { kind: earlier?.kind ?? 'a reply', at: earlier?.at ?? 'an earlier time' });
    }
    throw err;
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/** The person has handled the request: it moves from new/ to cur/ of the human mailbox. */
async function markAnswered(sessionDir: string, requestId: string): Promise<void> {
  const dir = mailboxFolder(sessionDir, HUMAN_ID, 'new');
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const n of names.filter((x) => x.endsWith(`-${requestId}.json`))) {
    await fsp.rename(path.join(dir, n), path.join(mailboxFolder(sessionDir, HUMAN_ID, 'cur'), n)).catch(() => undefined);
  }
}

export type { PersonReplyKind };
