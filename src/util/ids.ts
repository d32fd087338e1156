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
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;
let noDevice = false;

/** Refills the pool from /dev/urandom; false where there is none (then it never tries again). */
function refillPool(): boolean {
  if (noDevice) return false;
  const fs = process.getBuiltinModule('node:fs');
  try {
    const fd = fs.openSync('/dev/urandom', 'r');
    try {
      if (fs.readSync(fd, pool, 0, POOL_BYTES, null) !== POOL_BYTES) throw new Error('short read from /dev/urandom');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    noDevice = true;
    return false;
  }
  poolAt = 0;
  return true;
}

/**
 * `bytes` random bytes in hex that outside text cannot guess (the untrusted wrapper's
 * suffix). They come from the kernel's CSPRNG, /dev/urandom (which also seeds the one
 * node:crypto.randomBytes uses), read a pool at a time and each byte handed out once:
 * loading node:crypto costs a worker about 14 ms (35 built-in modules, see above) on its
 * first tool result. Where there is no /dev/urandom (Windows), node:crypto.
 */
export function secretHex(bytes: number): string {
  if (bytes <= POOL_BYTES && (poolAt + bytes <= POOL_BYTES || refillPool())) {
    const hex = pool.toString('hex', poolAt, poolAt + bytes);
    poolAt += bytes;
    return hex;
  }
  return process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex');
}
