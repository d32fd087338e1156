/**
 * Provider selection: a key means anthropic, no key means offline, `--offline` forces
 * offline, and `scripted` is for tests. Worker processes call this too, with the options
 * from session.json, so they always use the coordinator's provider.
 */
import { ConfigError } from '../errors.js';
import { AnthropicModel } from './anthropic.js';
import { DEFAULT_MODELS, MODEL_ENV, type ModelSlot } from './defaults.js';
import { OfflineModel } from './offline/index.js';
import { ScriptedModel } from './scripted.js';
import type { Model } from './types.js';

export type ProviderName = 'anthropic' | 'offline' | 'scripted';

export interface ProviderSettings {
  provider: 'auto' | ProviderName;
  scriptFile?: string;
  /** SDK retries; MAILROOM_MAX_RETRIES overrides. */
  maxRetries?: number;
}

/** Resolves `auto` to a concrete provider. */
export function resolveProvider(settings: ProviderSettings, env: NodeJS.ProcessEnv = process.env): ProviderName {
  if (settings.provider !== 'auto') return settings.provider;
  return env.ANTHROPIC_API_KEY ? 'anthropic' : 'offline';
}

/** The model id for a slot: explicit option, then env var, then the default. */
export function modelIdFor(slot: ModelSlot, explicit: string | undefined, provider: ProviderName, env: NodeJS.ProcessEnv = process.env): string {
  if (provider !== 'anthropic') return provider;
  return explicit ?? env[MODEL_ENV[slot]] ?? DEFAULT_MODELS[slot];
}

export function createModel(provider: ProviderName, settings: ProviderSettings & { defaultModel?: string }): Model {
  switch (provider) {
    case 'anthropic': {
      const envRetries = process.env.MAILROOM_MAX_RETRIES;
      const maxRetries = envRetries !== undefined ? Number(envRetries) : settings.maxRetries;
      if (maxRetries !== undefined && (!Number.isInteger(maxRetries) || maxRetries < 0)) {
        throw new ConfigError(`MAILROOM_MAX_RETRIES must be a whole number, got "${envRetries}"`);
      }
      return new AnthropicModel({ defaultModel: settings.defaultModel ?? DEFAULT_MODELS.worker, maxRetries });
    }
    case 'offline':
      return new OfflineModel();
    case 'scripted':
      if (!settings.scriptFile) throw new ConfigError('the scripted provider needs a script file (--script or MAILROOM_SCRIPT)');
      return new ScriptedModel(settings.scriptFile);
  }
}
