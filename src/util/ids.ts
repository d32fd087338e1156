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
