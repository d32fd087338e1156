/** The worker roles. Each has its own tool set (tools/registry.ts); a plan names one per subtask. */
export const ROLES = ['research', 'writing', 'analysis', 'review'] as const;
export type Role = (typeof ROLES)[number];
