/** The state files a person reads (session.json, agent.json): the schemas live in contracts/records.ts. */
export * from '../contracts/records.js';
