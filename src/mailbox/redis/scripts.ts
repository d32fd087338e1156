/**
 * Lua scripts of the redis reader. Each one first checks that the caller still holds the
 * reader lock, so a reader that was taken over (paused, partitioned) can no longer ack or
 * dead-letter anything: the lock key is the fence.
 */

/** KEYS: lock. ARGV: owner, ttlMs. 1 if the lock is still ours (and extended), else 0. */
export const REFRESH_LOCK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: lock. ARGV: owner. Deletes the lock only if it is ours. */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: lock, handled, stream. ARGV: owner, group, entry id, message id ('' = none).
 * Records the id as handled and acks the entry, atomically; 0 if the lock is not ours.
 */
export const ACK_ENTRY = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[4] ~= '' then redis.call('SADD', KEYS[2], ARGV[4]) end
redis.call('XACK', KEYS[3], ARGV[2], ARGV[3])
return 1
`;

/**
 * KEYS: lock, dead, stream. ARGV: owner, group, entry id, reason, raw text.
 * Copies the entry to the dead-letter stream with its reason, then acks it; 0 if the lock is not ours.
 */
export const DEAD_LETTER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('XADD', KEYS[2], '*', 'entry', ARGV[3], 'reason', ARGV[4], 'raw', ARGV[5])
redis.call('XACK', KEYS[3], ARGV[2], ARGV[3])
return 1
`;
