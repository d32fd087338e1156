/** Moved to src/inspect/session-data.ts (shared with the viewer); re-exported so old imports keep working. */
export * from '../../inspect/session-data.js';
