/**
 * Default model ids, one place. They are current ids from the installed SDK's model list;
 * none is in the SDK's deprecation table (the SDK prints a warning for those).
 */
export const DEFAULT_MODELS = {
  /** Plans, supervises and synthesizes. */
  coordinator: 'claude-sonnet-5-5',
  /** Does the subtasks. */
  worker: 'claude-sonnet-5-5',
  /** Classifies and routes: a small, fast model. */
  router: 'claude-haiku-5-5',
} as const;

export type ModelSlot = keyof typeof DEFAULT_MODELS;

/** The env var that overrides each slot, for users who prefer env to flags. */
export const MODEL_ENV: Record<ModelSlot, string> = {
  coordinator: 'MAILROOM_MODEL',
  worker: 'MAILROOM_WORKER_MODEL',
  router: 'MAILROOM_ROUTER_MODEL',
};
