/**
 * Ids for messages, temporary files, lock tokens and sessions. They must be unique, never
 * secret: whoever can write into a session folder can already do anything a message can.
 * So they come from nanoid's Math.random alphabet (V8 seeds Math.random per process from the
 * OS's entropy), not from node:crypto. Importing node:crypto loads some twenty of Node's
 * built-in modules, and a worker compiles those without Node's code cache (its V8 flags,
 * WORKER_NODE_FLAGS, change the flag hash the cache is checked against): about 10 ms of
 * every worker start (bench 4). 21 characters of 64 are 126 bits, as with nanoid's default.
 */
export { nanoid as newId, customAlphabet } from 'nanoid/non-secure';

/**
 * SHA-256 of `text` in hex. node:crypto is loaded on the first call only (see above): the
 * hashes mailroom takes are off the start path (long dead-letter names, request ids).
 */
export function sha256Hex(text: string): string {
  const crypto = process.getBuiltinModule('node:crypto');
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** Bytes read from the kernel at a time, handed out by secretHex. */
const POOL_BYTES = 256;
let pool: Buffer | undefined;
let poolAt = POOL_BYTES;
let noDevice = false;

/**
 * `bytes` random bytes in hex that outside text cannot guess (the untrusted wrapper's
 * suffix). They come from the kernel's CSPRNG, /dev/urandom, read a pool at a time: the
 * same source node:crypto.randomBytes draws on, without loading node:crypto, which costs
 * a worker about 14 ms (35 built-in modules, see above) on its first tool result. Where
 * there is no /dev/urandom (Windows), node:crypto.
 */
export function secretHex(bytes: number): string {
  if (!noDevice && bytes <= POOL_BYTES) {
    if (poolAt + bytes > POOL_BYTES) {
      const fs = process.getBuiltinModule('node:fs');
      try {
        const fd = fs.openSync('/dev/urandom', 'r');
        try {
          pool ??= Buffer.alloc(POOL_BYTES);
          if (fs.readSync(fd, pool, 0, POOL_BYTES, null) !== POOL_BYTES) throw new Error('short read from /dev/urandom');
        } finally {
          fs.closeSync(fd);
        }
        poolAt = 0;
      } catch {
        noDevice = true;
      }
    }
    if (!noDevice) {
      const hex = pool!.toString('hex', poolAt, poolAt + bytes);
      // Each byte is handed out once.
      poolAt += bytes;
      return hex;
    }
  }
  return process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex');
}
