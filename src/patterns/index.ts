/**
 * The pattern registry: each pattern's `{ name, optionsSchema, create }`. The session's
 * options hold each pattern's options under its name; `patternFor` builds the driver.
 */
import type { PatternName } from '../contracts/patterns.js';
import { coordinatorPattern } from './coordinator.js';
import { debatePattern } from './debate.js';
import { pipelinePattern } from './pipeline.js';
import { reflectPattern } from './reflect.js';
import { routePattern } from './route.js';
import type { PatternDefinition, PatternDriver } from './types.js';

export const PATTERN_REGISTRY: Record<PatternName, PatternDefinition> = {
  coordinator: coordinatorPattern,
  pipeline: pipelinePattern,
  debate: debatePattern,
  reflect: reflectPattern,
  route: routePattern,
};

/** The driver of pattern `name`, made from its options (`options[name]`, defaults filled in). */
export function patternFor(name: PatternName, options: Partial<Record<PatternName, unknown>>): PatternDriver {
  const def = PATTERN_REGISTRY[name];
  return def.create(def.optionsSchema.parse(options[name] ?? {}));
}

export type { PatternDefinition, PatternDriver } from './types.js';
