/** The redis transport of the mailbox (Redis Streams with one consumer group per mailbox). */
export * from './connect.js';
export * from './keys.js';
export * from './send.js';
export * from './reader.js';
export * from './inspect.js';
export * from './trim.js';
export * from './transport.js';
