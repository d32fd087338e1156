/**
 * Model ids: the defaults are current ids of the installed SDK, none deprecated, and each
 * role's id comes from its flag, then its env var, then the default.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { DEFAULT_MODELS, MODEL_ENV } from '../../src/model/defaults.js';
import { maxRetriesFrom, modelIdFor, promptCachingFrom } from '../../src/model/select.js';

/** The installed SDK's folder (its package.json is not exported, so go from its main entry). */
function findSdkDir(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@anthropic-ai/sdk'));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const sdkDir = findSdkDir();

/** The SDK's DEPRECATED_MODELS table (model id -> end-of-life date); it is not exported, so read from the source. */
function deprecatedModels(): Record<string, string> {
  const src = fs.readFileSync(path.join(sdkDir, 'resources/messages/messages.js'), 'utf8');
  const m = src.match(/const DEPRECATED_MODELS = (\{[\s\S]*?\});/);
  if (!m) throw new Error('DEPRECATED_MODELS not found in the SDK: the test must be updated with the SDK');
  // The table is a plain object literal of string keys and values.
  return JSON.parse(m[1]!.replace(/'/g, '"').replace(/,(\s*})/, '$1')) as Record<string, string>;
}

/** The SDK's list of known model ids (`export type Model = 'a' | 'b' | ... | (string & {})`). */
function knownModels(): string[] {
  const src = fs.readFileSync(path.join(sdkDir, 'resources/messages/messages.d.ts'), 'utf8');
  const m = src.match(/export type Model = ([^;]*);/);
  if (!m) throw new Error('the Model type was not found in the SDK');
  return [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

describe('default model ids', () => {
  it('reads a non-empty deprecation table from the installed SDK', () => {
    const table = deprecatedModels();
    expect(Object.keys(table).length).toBeGreaterThan(0);
    for (const date of Object.values(table)) expect(date).toMatch(/\d{4}/);
  });

  it('uses no id from the SDK deprecation table', () => {
    const deprecated = deprecatedModels();
    for (const [slot, id] of Object.entries(DEFAULT_MODELS)) expect(Object.keys(deprecated), `${slot}: ${id}`).not.toContain(id);
  });

  it('uses ids the SDK knows, and a small model for routing', () => {
    const known = knownModels();
    expect(known.length).toBeGreaterThan(3);
    for (const [slot, id] of Object.entries(DEFAULT_MODELS)) expect(known, `${slot}: ${id}`).toContain(id);
    expect(DEFAULT_MODELS.router).toMatch(/haiku/);
  });
});

describe('model id per role', () => {
  it('takes the flag, then the env var, then the default; empty counts as unset', () => {
    const env = { MAILROOM_MODEL: 'env-coord', MAILROOM_WORKER_MODEL: '', MAILROOM_ROUTER_MODEL: ' ' };
    expect(modelIdFor('coordinator', 'flag-coord', 'anthropic', env)).toBe('flag-coord');
    expect(modelIdFor('coordinator', undefined, 'anthropic', env)).toBe('env-coord');
    expect(modelIdFor('worker', undefined, 'anthropic', env)).toBe(DEFAULT_MODELS.worker);
    expect(modelIdFor('router', undefined, 'anthropic', env)).toBe(DEFAULT_MODELS.router);
    expect(modelIdFor('worker', 'x', 'offline', env)).toBe('offline');
    expect(MODEL_ENV).toEqual({ coordinator: 'MAILROOM_MODEL', worker: 'MAILROOM_WORKER_MODEL', router: 'MAILROOM_ROUTER_MODEL' });
  });

  it('reads MAILROOM_MAX_RETRIES and MAILROOM_PROMPT_CACHING', () => {
    expect(maxRetriesFrom({}, {})).toBeUndefined();
    expect(maxRetriesFrom({ maxRetries: 2 }, {})).toBe(2);
    expect(maxRetriesFrom({ maxRetries: 2 }, { MAILROOM_MAX_RETRIES: '0' })).toBe(0);
    expect(() => maxRetriesFrom({}, { MAILROOM_MAX_RETRIES: 'lots' })).toThrow(ConfigError);
    expect(promptCachingFrom({})).toBe(true);
    expect(promptCachingFrom({ MAILROOM_PROMPT_CACHING: 'off' })).toBe(false);
    expect(promptCachingFrom({ MAILROOM_PROMPT_CACHING: '0' })).toBe(false);
    expect(promptCachingFrom({ MAILROOM_PROMPT_CACHING: 'on' })).toBe(true);
  });
});
