/** The untrusted wrapper's suffix: random bytes from the kernel, never repeated. */
import { describe, expect, it } from 'vitest';
import { wrapUntrusted, wrapperId } from '../../src/tools/output.js';
import { secretHex } from '../../src/util/ids.js';

describe('the wrapper suffix', () => {
  it('is 12 hex digits, fresh on every call, across many refills of the pool', () => {
    // 256 bytes are read at a time: 2,000 suffixes of 6 bytes refill the pool 46 times.
    const ids = Array.from({ length: 2000 }, () => wrapperId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives any length up to the pool, and more through node:crypto', () => {
    expect(secretHex(1)).toMatch(/^[0-9a-f]{2}$/);
    expect(secretHex(256)).toMatch(/^[0-9a-f]{512}$/);
    expect(secretHex(300)).toMatch(/^[0-9a-f]{600}$/);
  });

  it('closes the wrapper with the suffix it opened with', () => {
    const text = wrapUntrusted('hello', 'read_file: a.md', wrapperId());
    const open = /<untrusted-data-([0-9a-f]{12})/.exec(text);
    expect(open).not.toBeNull();
    expect(text).toContain(`</untrusted-data-${open![1]}>`);
  });
});
