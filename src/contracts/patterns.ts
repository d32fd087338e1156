/**
 * Each pattern's own options, nested under its name in the session options
 * (`options.reflect.maxRounds`, not a flat `maxRounds`). Defined here, beside nothing of
 * the project, so that the session options and the pattern registry both use them without
 * importing each other.
 */
import { z } from 'zod';
import { PARSED_ONCE } from './parse-once.js';

export const PATTERN_NAMES = ['coordinator', 'pipeline', 'debate', 'reflect', 'route'] as const;
export type PatternName = (typeof PATTERN_NAMES)[number];

/** The default pattern: the coordinator's model plans and synthesizes. No options of its own. */
export const CoordinatorOptionsSchema = z.object({});

/** pipeline: the stages, in order; each names an agent of the catalogue. */
export const PipelineOptionsSchema = z.object({
  stages: z.array(z.string().min(1)).min(1).default(['research', 'analysis', 'writing', 'review']),
});

/** debate: how many debaters, optionally one model id each (cycled), and the agents that debate (cycled; default research). */
export const DebateOptionsSchema = z.object({
  debaters: z.number().int().min(2).max(8).default(3),
  models: z.array(z.string()).default([]),
  agents: z.array(z.string().min(1)).default([]),
});

/**
 * reflect: the review score to reach, how many production rounds to allow, the agent that
 * produces and the one that reviews (it must have a structured output with a score).
 */
export const ReflectOptionsSchema = z.object({
  threshold: z.number().min(0).max(1).default(0.85),
  maxRounds: z.number().int().positive().max(10).default(3),
  producer: z.string().min(1).default('writing'),
  reviewer: z.string().min(1).default('review'),
});

/** route: classify with the router model, then one specialist; `fallback` takes a task no specialist fits. */
export const RouteOptionsSchema = z.object({
  fallback: z.string().min(1).default('research'),
});

export type PipelineOptions = z.output<typeof PipelineOptionsSchema>;
export type DebateOptions = z.output<typeof DebateOptionsSchema>;
export type ReflectOptions = z.output<typeof ReflectOptionsSchema>;
export type RouteOptions = z.output<typeof RouteOptionsSchema>;

/** The session options' pattern keys, each with its defaults. */
export const PatternOptionsShape = {
  coordinator: CoordinatorOptionsSchema.default({}),
  pipeline: PipelineOptionsSchema.default(PipelineOptionsSchema.parse({}, PARSED_ONCE)),
  debate: DebateOptionsSchema.default(DebateOptionsSchema.parse({}, PARSED_ONCE)),
  reflect: ReflectOptionsSchema.default(ReflectOptionsSchema.parse({}, PARSED_ONCE)),
  route: RouteOptionsSchema.default(RouteOptionsSchema.parse({}, PARSED_ONCE)),
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
