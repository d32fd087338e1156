/**
 * Read-only views of a redis mailbox in the Maildir vocabulary, so `mailroom inbox` and
 * `show` read it like a folder: new = not yet acked (pending or undelivered), cur = acked
 * and still in the stream (less those dead-lettered), dead = the dead-letter stream with
 * reasons. Nothing is moved.
 */
import type { Redis } from 'ioredis';
import { UnknownRecipientError } from '../../errors.js';
import { withEnvelope, type StoredMessage } from '../inspect.js';
import type { MaildirFolder } from '../maildir.js';
import { READER_GROUP, mailboxKeys } from './keys.js';
import { compareIds, parseEntries, type StreamEntry } from './replies.js';
import { ackedBound } from './trim.js';

function stored(folder: MaildirFolder, name: string, text: string | undefined): StoredMessage {
  const msg: StoredMessage = { folder, name };
  if (text === undefined) {
    msg.error = 'entry has no env field';
    return msg;
  }
  return withEnvelope(msg, text);
}

/** Ids pending in the group (delivered, not acked). */
async function pendingIds(client: Redis, stream: string): Promise<Set<string>> {
  const out = new Set<string>();
  let start = '-';
  for (;;) {
    const rows = (await client.call('XPENDING', stream, READER_GROUP, start, '+', '1000')) as unknown[][];
    for (const r of rows) out.add(String(r[0]));
    if (rows.length < 1000) return out;
    start = `(${String(rows[rows.length - 1]![0])}`;
  }
}

export async function listRedisMailbox(client: Redis, sessionId: string, agentId: string, folders: MaildirFolder[] = ['new', 'cur', 'dead']): Promise<StoredMessage[]> {
  const keys = mailboxKeys(sessionId, agentId);
  if ((await client.exists(keys.stream)) === 0) throw new UnknownRecipientError(agentId, `redis stream ${keys.stream}`);
  const want = [...new Set(folders)];
  const out: StoredMessage[] = [];
  // A dead-lettered entry is acked and stays in the stream: it belongs to dead, not cur.
  let dead: StreamEntry[] | undefined;
  const deadEntries = async () => (dead ??= parseEntries(await client.call('XRANGE', keys.dead, '-', '+')));
  let split: { unacked: StoredMessage[]; acked: StoredMessage[] } | undefined;
  for (const folder of want) {
    if (folder === 'tmp') continue;
    if (folder === 'dead') {
      for (const e of await deadEntries()) {
        const msg = stored('dead', e.fields?.entry ?? e.id, e.fields?.raw);
        msg.reason = e.fields?.reason ?? '';
        out.push(msg);
      }
      continue;
    }
    if (!split) {
      const bound = await ackedBound(client, keys.stream, READER_GROUP);
      const pending = await pendingIds(client, keys.stream);
      const deadIds = new Set((await deadEntries()).map((e) => e.fields?.entry));
      split = { unacked: [], acked: [] };
      for (const e of parseEntries(await client.call('XRANGE', keys.stream, '-', '+'))) {
        const unacked = pending.has(e.id) || compareIds(e.id, bound) >= 0;
        if (!unacked && deadIds.has(e.id)) continue;
        split[unacked ? 'unacked' : 'acked'].push(stored(unacked ? 'new' : 'cur', e.id, e.fields?.env));
      }
    }
    out.push(...(folder === 'new' ? split.unacked : split.acked));
  }
  return out;
}

export async function countRedisMailbox(client: Redis, sessionId: string, agentId: string): Promise<Record<MaildirFolder, number>> {
  const all = await listRedisMailbox(client, sessionId, agentId, ['new', 'cur', 'dead']);
  const counts = { tmp: 0, new: 0, cur: 0, dead: 0 } satisfies Record<MaildirFolder, number>;
  for (const m of all) counts[m.folder]++;
  return counts;
}
