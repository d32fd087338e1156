/** An agent's mailbox as one list in send order (for `mailroom inbox` and the viewer). */
import type { MaildirFolder } from '../mailbox/maildir.js';
import { listMailbox, type StoredMessage } from '../mailbox/inspect.js';
import type { SessionRef } from './session-data.js';

export const DEFAULT_INBOX_FOLDERS: MaildirFolder[] = ['cur', 'new'];
export const ALL_INBOX_FOLDERS: MaildirFolder[] = ['cur', 'new', 'dead', 'tmp'];

/** The agent's messages in the chosen folders, merged into one list sorted by file name (send time). */
export async function loadInbox(ref: SessionRef, agent: string, all: boolean): Promise<{ messages: StoredMessage[]; hiddenDead: number }> {
  const messages = await listMailbox(ref.dir, agent, all ? ALL_INBOX_FOLDERS : DEFAULT_INBOX_FOLDERS);
  // Names start with the send time in ms, so a text sort across folders is the send order.
  messages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hiddenDead = all ? 0 : (await listMailbox(ref.dir, agent, ['dead'])).length;
  return { messages, hiddenDead };
}
