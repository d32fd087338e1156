/** Shared bits of the fake-anthropic tests: a real SDK client pointed at the fake. */
import Anthropic from '@anthropic-ai/sdk';
import type { FakeAnthropicServer } from '../support/fake-anthropic/index.js';

export const MODEL = 'claude-test-model';

export function client(server: FakeAnthropicServer, maxRetries = 0, apiKey = 'test'): Anthropic {
  return new Anthropic({ baseURL: server.url, apiKey, maxRetries });
}

export function params(text = 'hello'): { model: string; max_tokens: number; messages: Array<{ role: 'user'; content: string }> } {
  return { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: text }] };
}

/** Per-request headers as mailroom's adapter sends them. */
export function as(agent?: string, role?: string): { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (agent) headers['x-mailroom-agent'] = agent;
  if (role) headers['x-mailroom-role'] = role;
  return { headers };
}
