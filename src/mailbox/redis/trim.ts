/**
 * Retention of a mailbox stream. Acked entries are the mailbox's history (the role of
 * cur/), kept by default. With a policy, entries acked and older than `keepAckedMs` are
 * removed with XTRIM MINID, where the bound is never past the oldest unacked entry: the
 * oldest pending one, or, with nothing pending, the first entry after the group's
 * last-delivered id. So nothing is trimmed before it is acked.
 */
import type { Redis } from 'ioredis';
import { compareIds, nextId } from './replies.js';

export interface TrimPolicy {
  /** Acked entries younger than this stay. */
  keepAckedMs: number;
  /** How often the reader trims. Default 30000 ms. */
  everyMs?: number;
}

/** The id below which every entry of the stream is acked. */
export async function ackedBound(client: Redis, stream: string, group: string): Promise<string> {
  const pending = (await client.call('XPENDING', stream, group)) as [number, string | null, string | null, unknown];
  if (Number(pending[0]) > 0 && pending[1]) return pending[1];
  const groups = (await client.call('XINFO', 'GROUPS', stream)) as unknown[][];
  for (const g of groups) {
    const info: Record<string, unknown> = {};
    for (let i = 0; i + 1 < g.length; i += 2) info[String(g[i])] = g[i + 1];
    if (info.name === group) return nextId(String(info['last-delivered-id']));
  }
  return '0-0';
}

/** Applies the policy once; returns the number of entries removed. */
export async function trimAcked(client: Redis, stream: string, group: string, policy: TrimPolicy): Promise<number> {
  const bound = await ackedBound(client, stream, group);
  const [sec, micro] = (await client.time()) as [string | number, string | number];
  const nowMs = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
  const byAge = `${Math.max(0, nowMs - policy.keepAckedMs)}-0`;
  const minId = compareIds(byAge, bound) < 0 ? byAge : bound;
  return Number(await client.call('XTRIM', stream, 'MINID', minId));
}
