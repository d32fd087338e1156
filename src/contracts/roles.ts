/**
 * A worker's role: the name of an agent in the session's catalogue (`src/agents/`), such
 * as the built-in research, writing, analysis and review, or one a user defined. Plans and
 * pattern options name agents; the catalogue validates them.
 */
export type Role = string;

/** The agents shipped with mailroom (`src/agents/built-in/*.md`): the defaults patterns use. */
export const BUILT_IN_AGENTS = ['research', 'writing', 'analysis', 'review'] as const;

/** Agent names are kebab-case: they become part of worker ids (`w01-<name>`) and file names. */
export const AGENT_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const AGENT_NAME_HINT = 'an agent name is kebab-case (lower-case letters, digits and single "-"), at most 40 characters, e.g. "security-reviewer"';
