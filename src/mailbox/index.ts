/** The mailbox layer: Maildir layout, sending, the one reader per mailbox, and read-only inspection. */
export * from '../contracts/envelope.js';
export * from './maildir.js';
export * from './send.js';
export * from './reader.js';
export { MAX_REASON_BYTES, sanitizeReason } from './dead-letter.js';
export * from './inspect.js';
