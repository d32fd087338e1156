/** Session options: the schema lives in contracts/options.ts (several folders share it). */
export * from './contracts/options.js';
