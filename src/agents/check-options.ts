/**
 * Checks the session options that name agents (pipeline stages, reflect's producer and
 * reviewer, debate's debaters, route's fallback) against the catalogue, before anything
 * starts. A name that is not there is a ConfigError naming the option.
 */
import type { SessionOptions } from '../config.js';
import { ConfigError } from '../errors.js';
import type { AgentCatalogue } from './catalogue.js';

export function checkAgentOptions(options: SessionOptions, catalogue: Pick<AgentCatalogue, 'agents'>): void {
  const names = catalogue.agents.map((a) => a.name);
  const need = (option: string, name: string) => {
    if (!names.includes(name)) throw new ConfigError(`${option}: unknown agent "${name}"; the agents are ${names.join(', ')}`);
  };
  if (names.length === 0) throw new ConfigError('the agent catalogue is empty: define at least one agent');
  switch (options.pattern) {
    case 'pipeline':
      options.pipeline.stages.forEach((s) => need('--stages', s));
      break;
    case 'reflect': {
      need('--producer', options.reflect.producer);
      need('--reviewer', options.reflect.reviewer);
      const reviewer = catalogue.agents.find((a) => a.name === options.reflect.reviewer)!;
      if (!reviewer.outputSchema) throw new ConfigError(`--reviewer: agent "${reviewer.name}" has no outputSchema; a reflect reviewer must end with a structured review that has a score`);
      break;
    }
    case 'debate':
      (options.debate.agents.length > 0 ? options.debate.agents : ['research']).forEach((a) => need('--debater-agents', a));
      break;
    case 'route':
      need('--route-fallback', options.route.fallback);
      break;
    default:
      break;
  }
}
