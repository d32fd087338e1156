/**
 * The coordinator's side of people in the loop. It journals every request to people and
 * every reply it finds in agents/human/ (the requests are messages in the human mailbox;
 * the replies are the files `respond` writes), announces them, keeps session.json at
 * `waiting` while any is open, and acts on replies to its own questions. Replies to a
 * worker's request go straight to that worker, so they need nothing from the coordinator:
 * an answer given while the coordinator is down reaches a waiting worker at once.
 */
import type { PersonReplyKind } from '../contracts/journal.js';
import { liveRequests, openRequests, subtasksOf } from '../engine/subtasks.js';
import { listRequests, requestId, unfitRequests, type StoredRequest } from '../people/store.js';
import { moveToDead, sanitizeReason } from '../mailbox/dead-letter.js';
import fs from 'node:fs';
import path from 'node:path';
import { mailboxFolder } from '../mailbox/maildir.js';
import { COORDINATOR_ID, HUMAN_ID, replyFile } from '../session/layout.js';
import { writeSessionRecord } from '../session/store.js';
import type { ResultApi } from '../patterns/types.js';
import type { UsageReport } from '../session/usage.js';
import { StopSession, type CoordinatorCore } from './core.js';

const syncing = new WeakMap<CoordinatorCore, Promise<void>>();
/** The human folders' mtimes at the last full pass: unchanged folders need no re-read. */
const seen = new WeakMap<CoordinatorCore, string>();

/** A request arriving renames a file into new/, a reply links one into replies/: both change a folder's mtime. */
function folderStamp(dir: string): string {
  return [mailboxFolder(dir, HUMAN_ID, 'new'), mailboxFolder(dir, HUMAN_ID, 'cur'), path.dirname(replyFile(dir, 'x'))]
    .map((d) => {
      try {
        return String(fs.statSync(d).mtimeMs);
      } catch {
        return '-';
      }
    })
    .join('/');
}

/** Journals new requests and replies, one pass at a time (the supervisor and the mailbox both call it). */
export function syncPeople(core: CoordinatorCore): Promise<void> {
  const next = (syncing.get(core) ?? Promise.resolve()).then(() => syncOnce(core));
  syncing.set(core, next.catch(() => undefined));
  return next;
}

async function syncOnce(core: CoordinatorCore): Promise<void> {
  if (core.stopping?.fenced) return;
  const stamp = folderStamp(core.dir);
  if (seen.get(core) === stamp) return updateStatus(core);
  await deadLetterUnfit(core);
  const found = await listRequests(core.dir);
  for (const r of found) {
    if (!core.state.requests[r.id]) await journalRequest(core, r);
  }
  for (const r of found) {
    const known = core.state.requests[r.id];
    if (!r.reply || !known || known.reply) continue;
    // The coordinator's own question: act first (idempotently), then journal the reply, so a
    // crash in between acts again on resume rather than never.
    if (r.from === COORDINATOR_ID && r.reply.kind === 'answer') await onAnswer(core, r, r.reply.text ?? '');
    await core.commit({ type: 'reply', id: r.id, kind: r.reply.kind as PersonReplyKind, ...(r.reply.text !== undefined ? { text: r.reply.text } : {}), at: Date.parse(r.reply.at) });
    core.bus.emit({ type: 'request_answered', request: r.id, agent: r.agent, kind: r.reply.kind });
    core.wake();
  }
  seen.set(core, stamp);
  await updateStatus(core);
}

/** Nothing is lost: a file in the human mailbox that is no request goes to dead/ with its reason. */
async function deadLetterUnfit(core: CoordinatorCore): Promise<void> {
  for (const f of await unfitRequests(core.dir)) {
    const line = sanitizeReason(f.reason);
    if (await moveToDead(mailboxFolder(core.dir, HUMAN_ID, 'new'), mailboxFolder(core.dir, HUMAN_ID, 'dead'), f.name, line)) {
      core.log.warn({ file: f.name, reason: f.reason }, 'human mailbox: moved a file that is no request to dead/');
    }
  }
}

async function journalRequest(core: CoordinatorCore, r: StoredRequest): Promise<void> {
  await core.commit({
    type: 'request',
    id: r.id,
    kind: r.kind,
    // Who waits: the requester, or the worker whose question the coordinator handed on.
    agent: r.origin === 'consult' ? r.agent : r.from,
    subtask: r.subtask,
    summary: r.summary,
    sentAt: r.sentAt,
    ...(r.tool ? { tool: r.tool } : {}),
    ...(r.origin ? { origin: r.origin } : {}),
  });
  if (r.reply) return; // answered before the coordinator saw it (it was down): nothing to announce
  const session = core.record.id;
  if (r.kind === 'approval') {
    core.bus.emit({ type: 'approval_requested', request: r.id, agent: r.agent, subtask: r.subtask, tool: r.tool ?? '?', summary: r.summary, command: `mailroom approve ${session} ${r.id}` });
  } else {
    core.bus.emit({ type: 'question_asked', request: r.id, agent: r.agent, subtask: r.subtask, question: r.summary, command: `mailroom answer ${session} ${r.id}` });
  }
}

/** session.json says `waiting` while any request is open, and `running` again after. */
async function updateStatus(core: CoordinatorCore): Promise<void> {
  if (core.stopping) return;
  const status = liveRequests(core.state).length > 0 ? 'waiting' : 'running';
  if (core.record.status === status || (core.record.status !== 'running' && core.record.status !== 'waiting')) return;
  const record = { ...core.record, status } as const;
  core.setRecord(record);
  await writeSessionRecord(core.dir, record);
}

/** Asks a person a question on the coordinator's behalf (the id is fixed by `key`, so a repeat is one request). */
export async function askPerson(
  core: CoordinatorCore,
  q: { key: string; subtask: string; question: string; origin: 'reflect' | 'consult' | 'route'; agent?: string; context?: string; forQuestion?: string },
): Promise<string> {
  const id = requestId(COORDINATOR_ID, q.origin, q.key);
  await core.sender.send(
    HUMAN_ID,
    'question',
    { subtask: q.subtask, question: q.question, origin: q.origin, ...(q.agent ? { agent: q.agent } : {}), ...(q.context ? { context: q.context } : {}), ...(q.forQuestion ? { forQuestion: q.forQuestion } : {}) },
    { id, fsync: true },
  );
  await syncPeople(core);
  return id;
}

/** Codes that never lead to a question: the session or a person stopped it, or a dependency failed. */
const NOT_ASKED = new Set(['E_TERMINATED', 'E_SHUTDOWN', 'E_DEPENDENCY']);

/**
 * Route or fallback with no agent left: a subtask about to fail for good whose fallback was
 * used (or that the route pattern sent to its only agent) goes to a person instead, unless
 * `--no-human`. Asked before the failure is journaled, so the session cannot end meanwhile.
 */
export async function askBeforeGivingUp(core: CoordinatorCore, id: string, f: { code: string; error: string; attempt: number }): Promise<void> {
  const s = core.sub(id);
  if (core.options.noHuman || core.stopping || NOT_ASKED.has(f.code)) return;
  if (!s.fallbackUsed && core.pattern.name !== 'route') return;
  await askPerson(core, {
    key: `failure-${id}-${s.agentId}-${f.attempt}`,
    subtask: id,
    origin: 'route',
    agent: s.agentId,
    question: `Subtask ${id} (${s.role}) failed for good and no agent is left to take it over: ${f.error}. Reply with instructions to try it once more, or "give up" to leave it failed.`,
    context: s.subtask.description,
  });
}

/** A question about a failed subtask is open: the session must not settle or fail its dependents yet. */
export function awaitingPeopleOnFailures(core: CoordinatorCore): boolean {
  return openRequests(core.state).some((r) => r.origin === 'route');
}

/** A person answered one of the coordinator's questions: the route that asked carries on. */
async function onAnswer(core: CoordinatorCore, r: StoredRequest, text: string): Promise<void> {
  const q = r.envelope.type === 'question' ? r.envelope.body : undefined;
  if (!q) return;
  if (q.origin === 'consult' && q.agent && q.forQuestion) {
    // The worker's ask_coordinator gets the person's words as the coordinator's answer.
    const asker = subtasksOf(core.state).find((x) => x.agentId === q.agent && x.status === 'running');
    if (asker) await core.sender.send(asker.agentId, 'message', { text: `A person answered: ${text}` }, { id: `re-${r.id}`, replyTo: q.forQuestion });
    return;
  }
  if (q.origin === 'route') {
    // "give up" leaves it failed; anything else is instructions for one more attempt.
    const s = core.state.subtasks[q.subtask];
    if (s && s.status === 'failed' && !/^\s*give up\b/i.test(text)) {
      await core.commit({ type: 'requeue', subtask: q.subtask, instructions: `A person's instructions for this attempt: ${text}` });
      core.wake();
    }
    return;
  }
  if (q.origin === 'reflect' && core.pattern.onAnswer) {
    await core.pattern.onAnswer(core.patternCtx, { request: r.id, text }, resultApi(core));
  }
}

/** What a pattern may do when a result (or a person's answer) arrives. */
export function resultApi(core: CoordinatorCore): ResultApi {
  return {
    send: async (agentId, body, messageId) => {
      await core.sender.send(agentId, 'message', { text: body }, messageId ? { id: messageId } : {});
    },
    finishWith: async (status, body, reason, extra) => {
      await core.commit({ type: 'verdict', status, text: body, ...(reason ? { reason } : {}), ...(extra ? { extra } : {}) });
      core.wake();
    },
    agentOf: (sub) => core.state.subtasks[sub]?.agentId ?? sub,
    askHuman: async (q) => (core.options.noHuman ? undefined : askPerson(core, { ...q, origin: 'reflect' })),
  };
}

/**
 * `--detach-on-wait`: true when nothing is left but waiting for people: a request is open,
 * nothing is ready to start, and every running worker waits for a person or is a
 * persistent worker whose last round was handled.
 */
export function onlyWaiting(core: CoordinatorCore, readyCount: number): boolean {
  const open = liveRequests(core.state);
  if (open.length === 0 || readyCount > 0) return false;
  return subtasksOf(core.state).every((s) => {
    if (s.status !== 'running') return s.status !== 'pending';
    if (open.some((r) => r.agent === s.agentId)) return true;
    return s.persistent === true && s.round !== undefined && (core.state.handledRounds[s.subtask.id] ?? 0) >= s.round;
  });
}

/** The stop that ends a detached coordinator: status `waiting`, exit 4. */
export function detachStop(core: CoordinatorCore): StopSession {
  const ids = liveRequests(core.state).map((r) => r.id).join(', ');
  return new StopSession('waiting', `detached to wait for people (open: ${ids}); answer, then resume with mailroom --resume ${core.record.id}`);
}

/** `--detach-on-wait`: the end of this coordinator, not of the session (status waiting, exit 4). */
export async function detach(core: CoordinatorCore, reason: string): Promise<{ status: 'waiting'; reason: string; usage: UsageReport }> {
  const usage = await core.ledger.save().catch(() => core.ledger.report());
  await core.tryCommit({ type: 'decision', what: 'detach', why: reason });
  const record = { ...core.record, status: 'waiting' as const, reason };
  core.setRecord(record);
  await writeSessionRecord(core.dir, record).catch((err: unknown) => core.log.error({ err }, 'could not record the detach'));
  core.bus.emit({ type: 'session_ended', status: 'waiting', reason });
  return { status: 'waiting', reason, usage };
}
