/** Non-streaming replies, routing and usage, through the real SDK. */
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { MODEL, as, client, params } from './helpers.js';

let server: FakeAnthropicServer;
beforeAll(async () => {
  server = await FakeAnthropicServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const text = (t: string) => ({ type: 'message' as const, content: [{ type: 'text' as const, text: t }] });

describe('fake-anthropic JSON replies', () => {
  it('returns text and tool_use exactly as the SDK parses them', async () => {
    server.script('*', [
      {
        type: 'message',
        content: [
          { type: 'text', text: 'Let me look that up.' },
          { type: 'tool_use', id: 'toolu_01', name: 'web_search', input: { query: 'maildir', limit: 3, deep: { ok: true } } },
        ],
        usage: { input_tokens: 120, output_tokens: 34, cache_read_input_tokens: 7, cache_creation_input_tokens: 5 },
      },
    ]);
    const msg = await client(server).messages.create(params());
    expect(msg).toEqual({
      id: 'msg_fake_1',
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [
        { type: 'text', text: 'Let me look that up.' },
        { type: 'tool_use', id: 'toolu_01', name: 'web_search', input: { query: 'maildir', limit: 3, deep: { ok: true } } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 120,
        output_tokens: 34,
        cache_read_input_tokens: 7,
        cache_creation_input_tokens: 5,
        service_tier: 'standard',
      },
    });
    expect(server.requests).toHaveLength(1);
    const rec = server.requests[0]!;
    expect(rec).toMatchObject({ path: '/v1/messages', stream: false, reply: 'message' });
    expect(rec.body).toMatchObject({ model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'hello' }] });
    expect(rec.apiKey).toBe('test');
    expect(rec.headers['anthropic-version']).toBeTruthy();
  });

  it('defaults stop_reason, echoes the model and computes deterministic usage', async () => {
    server.script('*', [text('four score and seven years'), { ...text('x'), model: 'claude-other', stop_reason: 'max_tokens' }]);
    const c = client(server);
    const a = await c.messages.create(params('same body'));
    const b = await c.messages.create(params('same body'));
    expect(a.stop_reason).toBe('end_turn');
    expect(a.model).toBe(MODEL);
    expect(a.id).toBe('msg_fake_1');
    const bodyLength = JSON.stringify(server.requests[0]!.body).length;
    expect(a.usage).toMatchObject({
      input_tokens: Math.round(bodyLength / 4),
      output_tokens: Math.round('four score and seven years'.length / 4),
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    expect(b).toMatchObject({ id: 'msg_fake_2', model: 'claude-other', stop_reason: 'max_tokens' });
    expect(b.usage.output_tokens).toBe(1); // at least one, even for one character
  });

  it('passes a malformed tool input through as a string', async () => {
    server.script('*', [{ type: 'malformed-tool-input', name: 'read_file', id: 'toolu_bad', raw: '{"path": "a.txt", oops' }]);
    const msg = await client(server).messages.create(params());
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content).toEqual([{ type: 'tool_use', id: 'toolu_bad', name: 'read_file', input: '{"path": "a.txt", oops' }]);
  });
});

describe('fake-anthropic routing', () => {
  it('takes the agent queue, then the role queue, then "*", then the responder', async () => {
    server
      .script('agent-a', [text('from agent queue')])
      .script('writer', [text('from role queue')])
      .script('*', [text('from star queue')])
      .respond((req) => (req.agent === 'dyn' ? text(`dynamic for ${req.role}`) : undefined));
    const c = client(server);
    const say = async (agent?: string, role?: string) => {
      const m = await c.messages.create(params(), as(agent, role));
      return m.content[0]?.type === 'text' ? m.content[0].text : '';
    };
    expect(await say('agent-a', 'writer')).toBe('from agent queue');
    expect(await say('agent-a', 'writer')).toBe('from role queue');
    expect(await say('agent-a', 'writer')).toBe('from star queue');
    expect(await say('dyn', 'analyst')).toBe('dynamic for analyst');
    expect(server.pending()).toBe(0);

    expect(server.requestsFor('agent-a').map((r) => r.reply)).toEqual(['message', 'message', 'message']);
    expect(server.requestsFor('writer')).toHaveLength(3);
    expect(server.requestsFor('analyst')[0]).toMatchObject({ agent: 'dyn', role: 'analyst' });
  });

  it('a role queue serves any agent of that role, and other roles do not take from it', async () => {
    server.script('research', [text('r1'), text('r2')]);
    const c = client(server);
    const first = await c.messages.create(params(), as('w1', 'research'));
    const second = await c.messages.create(params(), as('w2', 'research'));
    expect([first.content[0], second.content[0]]).toEqual([
      { type: 'text', text: 'r1' },
      { type: 'text', text: 'r2' },
    ]);
    server.script('research', [text('r3')]);
    await expect(c.messages.create(params(), as('w3', 'writing'))).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    expect(server.pending('research')).toBe(1);
  });

  it('answers an unscripted request with a readable 500 that the SDK does not retry', async () => {
    const c = client(server, 2);
    const err = await c.messages.create(params(), as('worker-7', 'review')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as APIError).status).toBe(500);
    expect((err as APIError).type).toBe('api_error');
    expect((err as Error).message).toContain('fake-anthropic: no scripted reply for agent worker-7 (role review)');
    expect((err as APIError).requestID).toBe('req_fake_1');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.reply).toBe('unscripted');
  });

  it('reports a throwing responder as a readable 500', async () => {
    server.respond(() => {
      throw new Error('responder exploded');
    });
    const err = await client(server, 2).messages.create(params()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as Error).message).toContain('responder exploded');
    expect(server.requests).toHaveLength(1);
  });
});

describe('fake-anthropic refusals', () => {
  it('answers other paths with a 404 JSON error', async () => {
    const res = await fetch(`${server.url}/v1/complete`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(res.headers.get('request-id')).toMatch(/^req_fake_\d+$/);
    const body = (await res.json()) as { type: string; error: { type: string; message: string }; request_id: string };
    expect(body).toMatchObject({ type: 'error', error: { type: 'not_found_error' }, request_id: res.headers.get('request-id') });
    const get = await fetch(`${server.url}/v1/messages`);
    expect(get.status).toBe(404);
  });

  it('refuses requests the real API would refuse, without consuming a scripted reply', async () => {
    server.script('*', [text('kept')]);
    const post = (body: string, headers: Record<string, string> = { 'anthropic-version': '2023-06-01' }) =>
      fetch(`${server.url}/v1/messages`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const cases = [
      await post('{not json'),
      await post(JSON.stringify({ model: MODEL, messages: [] })),
      await post(JSON.stringify(params()), {}),
    ];
    const bodies = await Promise.all(cases.map((r) => r.json() as Promise<{ error: { type: string; message: string } }>));
    expect(cases.map((r) => r.status)).toEqual([400, 400, 400]);
    expect(bodies.map((b) => b.error.type)).toEqual(['invalid_request_error', 'invalid_request_error', 'invalid_request_error']);
    expect(bodies[1]!.error.message).toContain('max_tokens');
    expect(bodies[2]!.error.message).toContain('anthropic-version');
    expect(server.pending('*')).toBe(1);
  });
});

describe('fake-anthropic reportedUsage', () => {
  it('sums the usage of successful replies only, JSON and streamed alike', async () => {
    server.script('*', [
      { ...text('one'), usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 } },
      { type: 'error', status: 529 },
      { ...text('two, streamed'), usage: { input_tokens: 11, output_tokens: 4, cache_read_input_tokens: 1 } },
      { type: 'stream-error', content: [{ type: 'text', text: 'half' }] },
      { type: 'message', content: [{ type: 'text', text: 'cut' }], dropAfterEvents: 3 },
      text('defaults'),
    ]);
    const c = client(server);
    const seen: Array<{ input_tokens: number; output_tokens: number; cache_read_input_tokens: number | null; cache_creation_input_tokens: number | null }> = [];
    seen.push((await c.messages.create(params())).usage);
    await expect(c.messages.create(params())).rejects.toBeInstanceOf(Anthropic.APIError);
    seen.push((await c.messages.stream(params()).finalMessage()).usage);
    await expect(c.messages.stream(params()).finalMessage()).rejects.toBeInstanceOf(Anthropic.AnthropicError);
    await expect(c.messages.stream(params()).finalMessage()).rejects.toBeInstanceOf(Anthropic.AnthropicError);
    seen.push((await c.messages.create(params())).usage);

    const sum = (k: 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens') =>
      seen.reduce((n, u) => n + (u[k] ?? 0), 0);
    const reported = server.reportedUsage();
    expect(reported).toEqual({
      input_tokens: sum('input_tokens'),
      output_tokens: sum('output_tokens'),
      cache_read_input_tokens: sum('cache_read_input_tokens'),
      cache_creation_input_tokens: sum('cache_creation_input_tokens'),
    });
    expect(reported.input_tokens).toBe(10 + 11 + seen[2]!.input_tokens);
    expect(reported.cache_read_input_tokens).toBe(101);
    expect(reported.cache_creation_input_tokens).toBe(20);
    expect(server.requests.map((r) => r.reply)).toEqual(['message', 'error', 'message', 'stream-error', 'message', 'message']);
  });
});
