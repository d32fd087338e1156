/**
 * Each pattern's own options, nested under its name in the session options
 * (`options.reflect.maxRounds`, not a flat `maxRounds`). Defined here, beside nothing of
 * the project, so that the session options and the pattern registry both use them without
 * importing each other.
 */
import * as z from './mini.js';
import { PARSED_ONCE } from './parse-once.js';

export const PATTERN_NAMES = ['coordinator', 'pipeline', 'debate', 'reflect', 'route'] as const;
export type PatternName = (typeof PATTERN_NAMES)[number];

/** The default pattern: the coordinator's model plans and synthesizes. No options of its own. */
export const CoordinatorOptionsSchema = z.object({});

/** pipeline: the stages, in order; each names an agent of the catalogue. */
export const PipelineOptionsSchema = z.object({
  stages: z._default(z.array(z.string().check(z.minLength(1))).check(z.minLength(1)), ['research', 'analysis', 'writing', 'review']),
});

/** debate: how many debaters, optionally one model id each (cycled), and the agents that debate (cycled; default research). */
export const DebateOptionsSchema = z.object({
  debaters: z._default(z.number().check(z.int(), z.minimum(2), z.maximum(8)), 3),
  models: z._default(z.array(z.string()), []),
  agents: z._default(z.array(z.string().check(z.minLength(1))), []),
});

/**
 * reflect: the review score to reach, how many production rounds to allow, the agent that
 * produces and the one that reviews (it must have a structured output with a score).
 */
export const ReflectOptionsSchema = z.object({
  threshold: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.85),
  maxRounds: z._default(z.number().check(z.int(), z.positive(), z.maximum(10)), 3),
  producer: z._default(z.string().check(z.minLength(1)), 'writing'),
  reviewer: z._default(z.string().check(z.minLength(1)), 'review'),
});

/** route: classify with the router model, then one specialist; `fallback` takes a task no specialist fits. */
export const RouteOptionsSchema = z.object({
  fallback: z._default(z.string().check(z.minLength(1)), 'research'),
});

export type PipelineOptions = z.output<typeof PipelineOptionsSchema>;
export type DebateOptions = z.output<typeof DebateOptionsSchema>;
export type ReflectOptions = z.output<typeof ReflectOptionsSchema>;
export type RouteOptions = z.output<typeof RouteOptionsSchema>;

/** The session options' pattern keys, each with its defaults. */
export const PatternOptionsShape = {
  coordinator: z._default(CoordinatorOptionsSchema, {}),
  pipeline: z._default(PipelineOptionsSchema, PipelineOptionsSchema.parse({}, PARSED_ONCE)),
  debate: z._default(DebateOptionsSchema, DebateOptionsSchema.parse({}, PARSED_ONCE)),
  reflect: z._default(ReflectOptionsSchema, ReflectOptionsSchema.parse({}, PARSED_ONCE)),
  route: z._default(RouteOptionsSchema, RouteOptionsSchema.parse({}, PARSED_ONCE)),
};

/**
 * Flat pattern options as sessions before the registry wrote them (and as library callers
 * may still pass them): `stages`, `debaters`, `debateModels`, `debaterAgents`, `threshold`, `maxRounds`,
 * `producer`, `reviewer`, `routeFallback`.
 */
export interface LegacyPatternOptions {
  stages?: string[];
  debaters?: number;
  debateModels?: string[];
  debaterAgents?: string[];
  threshold?: number;
  maxRounds?: number;
  producer?: string;
  reviewer?: string;
  routeFallback?: string;
}

/** Moves legacy flat pattern options under their pattern's key (nested ones win). */
export function nestLegacyPatternOptions(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const { stages, debaters, debateModels, debaterAgents, threshold, maxRounds, producer, reviewer, routeFallback, ...rest } = input as Record<string, unknown> & LegacyPatternOptions;
  const nested = rest as Record<string, unknown>;
  const merge = (key: string, flat: Record<string, unknown>) => {
    const given = Object.fromEntries(Object.entries(flat).filter(([, v]) => v !== undefined));
    if (Object.keys(given).length === 0) return;
    nested[key] = { ...given, ...((nested[key] as Record<string, unknown> | undefined) ?? {}) };
  };
  merge('pipeline', { stages });
  merge('debate', { debaters, models: debateModels, agents: debaterAgents });
  merge('reflect', { threshold, maxRounds, producer, reviewer });
  merge('route', { fallback: routeFallback });
  return nested;
}
