/** Parsers for the raw stream replies ioredis hands back untyped. */

/** One stream entry; `fields` is null when the entry was deleted while pending. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string> | null;
}

function toFields(raw: unknown): Record<string, string> | null {
  if (!Array.isArray(raw)) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = String(raw[i + 1]);
  return out;
}

/** `[[id, [f, v, ...] | null], ...]` */
export function parseEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: StreamEntry[] = [];
  for (const e of raw) {
    // Redis < 7 answers a claimed-but-deleted entry with a bare nil; there is no id to act on.
    if (!Array.isArray(e)) continue;
    out.push({ id: String(e[0]), fields: toFields(e[1]) });
  }
  return out;
}

/** XREADGROUP / XREAD: null on timeout, else `[[key, entries]]` for our one key. */
export function parseRead(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) return [];
  // One stream was asked for: `[[key, entries]]`; tolerate a flattened `[key, entries]` too.
  const first = (typeof raw[0] === 'string' ? raw : raw[0]) as unknown[];
  return parseEntries(first[1]);
}

/** XAUTOCLAIM: `[cursor, entries, deletedIds?]` (the third element since Redis 7.0). */
export function parseAutoclaim(raw: unknown): { cursor: string; entries: StreamEntry[]; deleted: string[] } {
  const arr = raw as unknown[];
  return {
    cursor: String(arr[0]),
    entries: parseEntries(arr[1]),
    deleted: Array.isArray(arr[2]) ? arr[2].map(String) : [],
  };
}

/** Compares two stream ids `<ms>-<seq>` numerically. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** The smallest id greater than `id`. */
export function nextId(id: string): string {
  const [ms, seq] = id.split('-') as [string, string];
  return `${ms}-${BigInt(seq) + 1n}`;
}
