/**
 * An agent's mailbox as one list in send order (for `mailroom inbox` and the viewer),
 * read through the transport's inspection API: the Maildir folders, or, for a session read
 * through Redis, the mailbox stream in the same folder vocabulary.
 */
import type { MaildirFolder } from '../mailbox/maildir.js';
import type { StoredMessage } from '../mailbox/inspect.js';
import { FsTransport } from '../mailbox/fs-transport.js';
import { compareIds } from '../mailbox/redis/replies.js';
import type { MailboxTransport, TransportKind } from '../mailbox/transport.js';
import { withRedisTransport } from './remote.js';
import { readSessionLoose, type SessionRef } from './session-data.js';
import { UsageError } from '../errors.js';

export const DEFAULT_INBOX_FOLDERS: MaildirFolder[] = ['cur', 'new'];
export const ALL_INBOX_FOLDERS: MaildirFolder[] = ['cur', 'new', 'dead', 'tmp'];

export interface LoadedInbox {
  messages: StoredMessage[];
  /** Dead messages left out (without `all`). */
  hiddenDead: number;
  /** Where the messages were read: fs names are files, redis names are stream entry ids. */
  transport: TransportKind;
}

/** The agent's messages in the chosen folders, merged into one list in send order. */
export async function loadInbox(ref: SessionRef, agent: string, all: boolean): Promise<LoadedInbox> {
  if (ref.redisUrl) return withRedisTransport(ref.redisUrl, ref.id, (t) => loadFrom(t, agent, all));
  // A redis session's mail is in its streams; the folder here holds none of it.
  if ((await readSessionLoose(ref.dir))?.transport === 'redis') {
    throw new UsageError(`session ${ref.id} runs on the redis transport: its mailboxes are streams, so pass --redis <url> (or --redis with MAILROOM_REDIS_URL)`);
  }
  return loadFrom(new FsTransport(ref.dir, ref.id), agent, all);
}

/** The same, from any transport. */
export async function loadFrom(t: MailboxTransport, agent: string, all: boolean): Promise<LoadedInbox> {
  const messages = await t.list(agent, all ? ALL_INBOX_FOLDERS : DEFAULT_INBOX_FOLDERS);
  // fs: names start with the send time in ms, so a text sort across folders is the send
  // order. redis: entry ids (a dead one keeps its original id) are in stream order.
  messages.sort(t.kind === 'redis' ? (a, b) => compareIds(a.name, b.name) : (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hiddenDead = all ? 0 : (await t.count(agent)).dead;
  return { messages, hiddenDead, transport: t.kind };
}
