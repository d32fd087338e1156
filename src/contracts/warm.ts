/**
 * Runs every schema under the given roots once, on an empty object, so that what zod
 * works out lazily on a schema's first parse is done ahead: an object's normalized shape
 * (its keys, which are optional), a property's optin/optout, a discriminated union's map.
 * The worker's startup snapshot calls this while it is built (snapshot-entry.ts): the
 * results are part of the restored heap, and a worker's first parse of session.json, its
 * agent.json and its first messages no longer pays for them (profiled: about 1.5 ms of
 * each cold worker's start went to zod's first-parse setup).
 *
 * Only zod's own caches change; every parse after this one returns what it would have.
 */
import { PARSED_ONCE } from './parse-once.js';

interface ZodInternals {
  _zod?: {
    def?: Record<string, unknown>;
    run?: (payload: { value: unknown; issues: unknown[] }, ctx: Record<string, unknown>) => unknown;
  };
}

/** The schemas a definition names: shapes, wrapped types, elements, options, pipes. */
function children(def: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  const shape = def.shape;
  if (shape && typeof shape === 'object') out.push(...Object.values(shape as Record<string, unknown>));
  for (const key of ['innerType', 'element', 'in', 'out', 'left', 'right', 'keyType', 'valueType', 'catchall', 'rest']) {
    if (def[key] !== undefined) out.push(def[key]);
  }
  for (const key of ['options', 'items']) {
    if (Array.isArray(def[key])) out.push(...(def[key] as unknown[]));
  }
  // `lazy` schemas (def.getter) are left alone: a getter may build a new schema on each call.
  return out;
}

/** Visits each schema under `roots` once and parses `{}` with it, ignoring the outcome. */
export function warmSchemas(roots: readonly unknown[]): number {
  const seen = new Set<unknown>();
  const stack = [...roots];
  while (stack.length > 0) {
    const schema = stack.pop() as ZodInternals | undefined;
    if (!schema || typeof schema !== 'object' || seen.has(schema) || !schema._zod?.def) continue;
    seen.add(schema);
    try {
      schema._zod.run?.({ value: {}, issues: [] }, { async: false, ...PARSED_ONCE });
    } catch {
      // A refinement may throw on input this odd; the caches it set before that stay set.
    }
    stack.push(...children(schema._zod.def));
  }
  return seen.size;
}
