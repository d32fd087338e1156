/**
 * Provider selection: a key means anthropic, no key means offline, `--offline` forces
 * offline, and `scripted` is for tests. Worker processes call this too, with the options
 * from session.json, so they always use the coordinator's provider.
 */
import { ConfigError } from '../errors.js';
import { DEFAULT_MODELS, MODEL_ENV, type ModelSlot } from './defaults.js';
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

/** The model id for a slot: explicit option, then env var, then the default. Empty counts as unset. */
export function modelIdFor(slot: ModelSlot, explicit: string | undefined, provider: ProviderName, env: NodeJS.ProcessEnv = process.env): string {
  if (provider !== 'anthropic') return provider;
  return explicit?.trim() || env[MODEL_ENV[slot]]?.trim() || DEFAULT_MODELS[slot];
}

/** SDK and mid-stream retries: MAILROOM_MAX_RETRIES, else the setting, else the adapter's default. */
export function maxRetriesFrom(settings: Pick<ProviderSettings, 'maxRetries'>, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.MAILROOM_MAX_RETRIES?.trim();
  const value = raw ? Number(raw) : settings.maxRetries;
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new ConfigError(`MAILROOM_MAX_RETRIES must be a whole number, got "${raw ?? String(value)}"`);
  }
  return value;
}

/** A positive whole number of ms from an env var, or undefined when unset. */
export function msFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive whole number of milliseconds, got "${raw}"`);
  return value;
}

/** MAILROOM_PROMPT_CACHING=off (or 0, false, no) drops cache_control, for endpoints that reject it. */
export function promptCachingFrom(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.MAILROOM_PROMPT_CACHING?.trim().toLowerCase();
  return !raw || !['0', 'false', 'off', 'no'].includes(raw);
}

/**
 * Builds the provider. Each provider's module is imported only when it is used: the SDK
 * costs most of a second to load, which every worker process of an offline or scripted
 * session would pay, and neither the SDK nor the scripted model's script handling belongs
 * on another provider's path (a warm spare preloads this module, not the providers).
 */
export async function createModel(provider: ProviderName, settings: ProviderSettings & { defaultModel?: string }): Promise<Model> {
  switch (provider) {
    case 'anthropic': {
      const { AnthropicModel } = await import('./anthropic.js');
      // Key and base URL come from ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL, which worker
      // processes inherit, so every agent of a session talks to the same endpoint.
      return new AnthropicModel({
        defaultModel: settings.defaultModel ?? DEFAULT_MODELS.worker,
        maxRetries: maxRetriesFrom(settings),
        promptCaching: promptCachingFrom(),
        timeoutMs: msFromEnv('MAILROOM_REQUEST_TIMEOUT_MS'),
        streamIdleTimeoutMs: msFromEnv('MAILROOM_STREAM_IDLE_TIMEOUT_MS'),
      });
    }
    case 'offline': {
      const { OfflineModel } = await import('./offline/index.js');
      return new OfflineModel();
    }
    case 'scripted': {
      if (!settings.scriptFile) throw new ConfigError('the scripted provider needs a script file (--script or MAILROOM_SCRIPT)');
      const { ScriptedModel } = await import('./scripted.js');
      return new ScriptedModel(settings.scriptFile);
    }
  }
}
