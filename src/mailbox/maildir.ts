/**
 * Maildir layout of one agent's mailbox (DESIGN.md, "Mailbox protocol"): folder names,
 * paths and the message file name, whose text order is each sender's send order.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MailboxError } from '../errors.js';
import { sha256Hex } from '../util/ids.js';
import { AgentIdSchema } from '../contracts/envelope.js';
import { agentsFolderOf } from '../contracts/spares.js';

export const MAILDIR_FOLDERS = ['tmp', 'new', 'cur', 'dead'] as const;
export type MaildirFolder = (typeof MAILDIR_FOLDERS)[number];

/** Largest message file a reader accepts (and a sender writes): 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * A tmp/ file whose writer's pid is alive (or cannot be told from its name) is removed at
 * reader start only once it is older than this: a stalled (SIGSTOPped) sender keeps its
 * file, and a pid that was reused cannot keep a leftover for ever. A dead writer's file
 * goes at once.
 */
export const TMP_MAX_AGE_MS = 60 * 60_000;

/** Prefix of the reader lock files in the mailbox dir: `reader.lock.<generation>` (see reader-lock.ts). */
export const READER_LOCK_NAME = 'reader.lock';

/** Suffix of the one-line reason written next to each file in dead/. */
export const DEAD_REASON_SUFFIX = '.reason.txt';

/** Longest file name (bytes) the file system takes (NAME_MAX on Linux). */
export const NAME_MAX = 255;

/**
 * The reason file's name for a dead file: `<name>.reason.txt`, or, when that would pass
 * NAME_MAX, the name cut short plus a hash of the whole name, so a file with a long name is
 * still dead-lettered instead of staying in new/ for ever.
 */
export function deadReasonName(name: string): string {
  const plain = name + DEAD_REASON_SUFFIX;
  if (Buffer.byteLength(plain) <= NAME_MAX) return plain;
  const hash = sha256Hex(name).slice(0, 12);
  const room = NAME_MAX - DEAD_REASON_SUFFIX.length - hash.length - 1;
  let head = name;
  while (Buffer.byteLength(head) > room) head = head.slice(0, -1);
  return `${head}~${hash}${DEAD_REASON_SUFFIX}`;
}

/** `<name>.<pid>.tmp`: the tmp/ name of a message being written by process `pid`. */
export function tmpFileName(name: string, pid: number = process.pid): string {
  return `${name}.${pid}.tmp`;
}

/** The writer's pid in a tmp/ name, or undefined for a name without one. */
export function tmpWriterPid(tmpName: string): number | undefined {
  const m = /\.(\d{1,10})\.tmp$/.exec(tmpName);
  const pid = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

const SENT_AT_DIGITS = 13;
const SEQ_DIGITS = 8;
const FILE_NAME_RE = /^(\d{13})-(\d{8})-([A-Za-z0-9_-]{1,64})\.json$/;

/** Throws unless `agentId` is a safe agent id, so it can never escape `agents/`. */
export function assertAgentId(agentId: string): void {
  const parsed = AgentIdSchema.safeParse(agentId);
  if (!parsed.success) {
    throw new MailboxError('E_BAD_AGENT_ID', `invalid agent id ${JSON.stringify(agentId)}: ${parsed.error.issues[0]?.message ?? 'bad id'}`);
  }
}

/** `<session>/agents/<id>` (a warm spare's: `<session>/spares/<id>`) */
export function agentDir(sessionDir: string, agentId: string): string {
  assertAgentId(agentId);
  return path.join(sessionDir, agentsFolderOf(agentId), agentId);
}

/** `<session>/agents/<id>/mailbox` */
export function mailboxDir(sessionDir: string, agentId: string): string {
  return path.join(agentDir(sessionDir, agentId), 'mailbox');
}

/** Path of one Maildir folder of an agent's mailbox. */
export function mailboxFolder(sessionDir: string, agentId: string, folder: MaildirFolder): string {
  return path.join(mailboxDir(sessionDir, agentId), folder);
}

/** Creates (mkdir -p) tmp/, new/, cur/ and dead/; idempotent. Returns the mailbox dir. */
export async function createMailbox(sessionDir: string, agentId: string): Promise<string> {
  const dir = mailboxDir(sessionDir, agentId);
  for (const folder of MAILDIR_FOLDERS) await fsp.mkdir(path.join(dir, folder), { recursive: true });
  return dir;
}

/** `${13-digit sentAt}-${8-digit seq}-${id}.json`; fixed widths make text order numeric order. */
export function messageFileName(sentAt: number, seq: number, id: string): string {
  if (!Number.isSafeInteger(sentAt) || sentAt < 0 || String(sentAt).length > SENT_AT_DIGITS) {
    throw new MailboxError('E_BAD_MESSAGE_NAME', `sentAt ${sentAt} does not fit ${SENT_AT_DIGITS} digits`);
  }
  if (!Number.isSafeInteger(seq) || seq < 0 || String(seq).length > SEQ_DIGITS) {
    throw new MailboxError('E_BAD_MESSAGE_NAME', `seq ${seq} does not fit ${SEQ_DIGITS} digits`);
  }
  const name = `${String(sentAt).padStart(SENT_AT_DIGITS, '0')}-${String(seq).padStart(SEQ_DIGITS, '0')}-${id}.json`;
  if (!FILE_NAME_RE.test(name)) throw new MailboxError('E_BAD_MESSAGE_NAME', `invalid message id ${JSON.stringify(id)}`);
  return name;
}

/** The parts of a message file name, or undefined when the name does not follow the pattern. */
export function parseMessageFileName(name: string): { sentAt: number; seq: number; id: string } | undefined {
  const m = FILE_NAME_RE.exec(name);
  if (!m) return undefined;
  return { sentAt: Number(m[1]), seq: Number(m[2]), id: m[3]! };
}
