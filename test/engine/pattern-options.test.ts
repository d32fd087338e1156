/** The pattern registry and its options, nested under each pattern's name in the session options. */
import { describe, expect, it } from 'vitest';
import { SessionOptionsSchema } from '../../src/config.js';
import { PATTERN_NAMES } from '../../src/contracts/patterns.js';
import { PATTERN_REGISTRY, patternFor } from '../../src/patterns/index.js';

describe('pattern options', () => {
  it('every pattern is registered with its name, options schema and driver', () => {
    for (const name of PATTERN_NAMES) {
      const def = PATTERN_REGISTRY[name];
      expect(def.name).toBe(name);
      expect(patternFor(name, {}).name).toBe(name);
    }
  });

  it('nests each pattern\'s options under its name, with defaults', () => {
    const o = SessionOptionsSchema.parse({ task: 't', reflect: { maxRounds: 5 } });
    expect(o.reflect).toEqual({ threshold: 0.85, maxRounds: 5, producer: 'writing', reviewer: 'review' });
    expect(o.pipeline.stages).toEqual(['research', 'analysis', 'writing', 'review']);
    expect(o.debate).toEqual({ debaters: 3, models: [], agents: [] });
    expect(o.route).toEqual({ fallback: 'research' });
    expect(o).not.toHaveProperty('maxRounds');
  });

  it('reads the flat options of older session.json files and callers into the nested ones', () => {
    const o = SessionOptionsSchema.parse({ task: 't', maxRounds: 2, threshold: 0.5, stages: ['writing'], debaters: 4, debateModels: ['a'] });
    expect(o.reflect).toEqual({ threshold: 0.5, maxRounds: 2, producer: 'writing', reviewer: 'review' });
    expect(o.pipeline).toEqual({ stages: ['writing'] });
    expect(o.debate).toEqual({ debaters: 4, models: ['a'], agents: [] });
  });

  it('names the bad field of a pattern option', () => {
    const r = SessionOptionsSchema.safeParse({ task: 't', reflect: { maxRounds: 0 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues[0]?.path)).toBe('["reflect","maxRounds"]');
  });
});
