/**
 * warmSchemas (contracts/warm.ts) only fills zod's caches: a warmed schema parses every
 * value, good or bad, exactly as an untouched copy of it does, and it reaches the schemas
 * nested inside objects, unions, arrays, records and wrappers.
 */
import { describe, expect, it } from 'vitest';
import * as z from '../../src/contracts/mini.js';
import { PARSED_ONCE } from '../../src/contracts/parse-once.js';
import { warmSchemas } from '../../src/contracts/warm.js';

function makeSchema() {
  const inner = z.object({ n: z.number().check(z.int()), tag: z.optional(z.string()) });
  return z.object({
    v: z.literal(1),
    kind: z.discriminatedUnion('type', [
      z.object({ type: z.literal('a'), a: inner }),
      z.object({ type: z.literal('b'), list: z.array(inner) }),
    ]),
    extra: z.optional(z.record(z.string(), inner)),
    limit: z._default(z.number(), 5),
  });
}

const VALUES: unknown[] = [
  { v: 1, kind: { type: 'a', a: { n: 3 } } },
  { v: 1, kind: { type: 'b', list: [{ n: 1, tag: 'x' }, { n: 2 }] }, extra: { k: { n: 4 } }, limit: 9 },
  { v: 2, kind: { type: 'c' } },
  { v: 1, kind: { type: 'a', a: { n: 1.5 } }, extra: { k: { n: 'no' } } },
  {},
  'not an object',
];

describe('warmSchemas', () => {
  it('leaves every parse as it was, success or issues', () => {
    const cold = makeSchema();
    const warm = makeSchema();
    const visited = warmSchemas([warm]);
    // The object, its fields, the union, both branches, their fields, the array, the record, the inner object...
    expect(visited).toBeGreaterThan(15);
    for (const value of VALUES) {
      for (const opts of [PARSED_ONCE, undefined]) {
        const a = cold.safeParse(structuredClone(value), opts);
        const b = warm.safeParse(structuredClone(value), opts);
        expect(b.success, JSON.stringify(value)).toBe(a.success);
        if (a.success && b.success) expect(b.data).toEqual(a.data);
        else expect(JSON.parse(JSON.stringify(b.error!.issues))).toEqual(JSON.parse(JSON.stringify(a.error!.issues)));
      }
    }
  });
});
