/** Picks the pattern driver for a session. */
import type { Pattern } from '../config.js';
import { coordinatorPattern } from './coordinator.js';
import { debatePattern } from './debate.js';
import { pipelinePattern } from './pipeline.js';
import { reflectPattern } from './reflect.js';
import { routePattern } from './route.js';
import type { PatternDriver } from './types.js';

export function patternFor(name: Pattern): PatternDriver {
  switch (name) {
    case 'coordinator':
      return coordinatorPattern;
    case 'pipeline':
      return pipelinePattern;
    case 'debate':
      return debatePattern;
    case 'reflect':
      return reflectPattern();
    case 'route':
      return routePattern;
  }
}

export type { PatternDriver } from './types.js';
