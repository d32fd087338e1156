/**
 * The `anthropic` adapter in-process, through the real SDK over real HTTP against the fake
 * Messages API: request shape, streaming, usage, stop reasons, and every fault mapped into
 * our error tree.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelAuthError, ModelError, ModelOverloadedError, ModelRateLimitError, ModelStopError } from '../../src/errors.js';
import { AnthropicModel, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_STREAM_IDLE_TIMEOUT_MS, type AnthropicModelOptions } from '../../src/model/anthropic.js';
import { WorkerLimitsSchema } from '../../src/config.js';
import type { ModelRequest } from '../../src/model/types.js';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';

const TOOL = { name: 'search_files', description: 'Search', input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } };
const OTHER_TOOL = { name: 'read_file', description: 'Read', input_schema: { type: 'object', properties: { path: { type: 'string' } } } };

function request(extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    system: 'You are a test agent.',
    messages: [{ role: 'user', content: 'Find the error handling.' }],
    tools: [TOOL, OTHER_TOOL],
    metadata: { agentId: 'w01-research', role: 'research', purpose: 'turn' },
    ...extra,
  };
}

describe('AnthropicModel against the fake Messages API', () => {
  let server: FakeAnthropicServer;
  const model = (opts: Partial<AnthropicModelOptions> = {}) =>
    new AnthropicModel({ apiKey: 'test', baseURL: server.url, defaultModel: 'claude-test', maxRetries: 2, retryDelayMs: 10, ...opts });

  beforeAll(async () => {
    server = await FakeAnthropicServer.start();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => server.reset());

  it('streams a request with system, tools, tool_choice and cache breakpoints, and attributes it to the agent', async () => {
    server.script('w01-research', [{ type: 'message', content: [{ type: 'text', text: 'ok' }] }]);
    const res = await model().createMessage(request({ tool_choice: { type: 'tool', name: 'search_files' }, max_tokens: 1000 }));
    expect(res.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(res.stop_reason).toBe('end_turn');
    const [req] = server.requests;
    expect(req!.stream).toBe(true);
    expect(req!.headers['x-mailroom-role']).toBe('research');
    expect(req!.headers['x-mailroom-purpose']).toBe('turn');
    expect(req!.body).toMatchObject({
      model: 'claude-test',
      max_tokens: 1000,
      system: [{ type: 'text', text: 'You are a test agent.', cache_control: { type: 'ephemeral' } }],
      tool_choice: { type: 'tool', name: 'search_files' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Find the error handling.', cache_control: { type: 'ephemeral' } }] }],
    });
    // Only the last tool carries the breakpoint: it caches the whole list.
    expect(req!.body.tools.map((t: { cache_control?: unknown }) => t.cache_control)).toEqual([undefined, { type: 'ephemeral' }]);
    // Our metadata is ours: the API's `metadata` field is not sent.
    expect(req!.body.metadata).toBeUndefined();
  });

  it('returns usage with cache read and creation counts', async () => {
    server.script('*', [{ type: 'message', content: [{ type: 'text', text: 'cached' }], usage: { input_tokens: 12, output_tokens: 7, cache_read_input_tokens: 900, cache_creation_input_tokens: 40 } }]);
    const res = await model().createMessage(request());
    expect(res.usage).toEqual({ input_tokens: 12, output_tokens: 7, cache_read_input_tokens: 900, cache_creation_input_tokens: 40 });
    expect(res.usage).toEqual({ ...server.reportedUsage() });
    expect(res.model).toBe('claude-test');
  });

  it('sends a multi-turn tool exchange, is_error included, and marks only the newest user turn for caching', async () => {
    server.script('*', [{ type: 'message', content: [{ type: 'text', text: 'done' }] }]);
    await model().createMessage(
      request({
        messages: [
          { role: 'user', content: 'task' },
          { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_use', id: 'toolu_1', name: 'search_files', input: { query: 'x' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'no such folder', is_error: true }] },
        ],
      }),
    );
    const { messages } = server.requests[0]!.body;
    expect(messages[0]).toEqual({ role: 'user', content: 'task' });
    expect(messages[1].content[1]).toEqual({ type: 'tool_use', id: 'toolu_1', name: 'search_files', input: { query: 'x' } });
    expect(messages[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_1', content: 'no such folder', is_error: true, cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('keeps server-tool blocks verbatim, with their streamed input', async () => {
    const result = { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://example.com', title: 'Ex', encrypted_content: 'enc', page_age: null }] };
    server.script('*', [
      {
        type: 'message',
        content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'mailroom error handling' } }, result, { type: 'text', text: 'Found it.' }],
        stop_reason: 'end_turn',
      },
    ]);
    const res = await model().createMessage(request());
    expect(res.content).toEqual([
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'mailroom error handling' } },
      result,
      { type: 'text', text: 'Found it.' },
    ]);
  });

  it('passes every stop reason through for the agent loop to act on', async () => {
    const reasons = ['tool_use', 'max_tokens', 'pause_turn', 'refusal', 'model_context_window_exceeded', 'stop_sequence'] as const;
    for (const stop_reason of reasons) server.script('*', [{ type: 'message', content: [{ type: 'text', text: stop_reason }], stop_reason }]);
    const m = model();
    for (const reason of reasons) expect((await m.createMessage(request())).stop_reason).toBe(reason);
  });

  it('returns a tool call whose input is not JSON as raw text, and sends it back as {} next turn', async () => {
    const raw = '{"query": "errors", oops';
    server.script('*', [
      { type: 'malformed-tool-input', name: 'search_files', id: 'toolu_bad', raw, text: 'Searching.' },
      { type: 'message', content: [{ type: 'text', text: 'recovered' }] },
    ]);
    const m = model();
    const first = await m.createMessage(request());
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([{ type: 'text', text: 'Searching.' }, { type: 'tool_use', id: 'toolu_bad', name: 'search_files', input: raw }]);
    expect(first.usage.output_tokens).toBeGreaterThan(0);
    await m.createMessage(
      request({
        messages: [
          { role: 'user', content: 'task' },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_bad', content: 'invalid input', is_error: true }] },
        ],
      }),
    );
    expect(server.requests[1]!.body.messages[1].content[1]).toEqual({ type: 'tool_use', id: 'toolu_bad', name: 'search_files', input: {} });
    expect(server.requests).toHaveLength(2);
  });

  it('retries an error event in mid-stream, and a connection dropped mid-stream', async () => {
    server.script('*', [
      { type: 'stream-error', afterEvents: 3, content: [{ type: 'text', text: 'half an answer that will be lost' }] },
      { type: 'message', content: [{ type: 'text', text: 'this stream is cut off part way through' }], dropAfterEvents: 4 },
      { type: 'message', content: [{ type: 'text', text: 'whole' }] },
    ]);
    const res = await model().createMessage(request());
    expect(res.content).toEqual([{ type: 'text', text: 'whole' }]);
    expect(server.requests.map((r) => r.reply)).toEqual(['stream-error', 'message', 'message']);
    // Only the complete reply was reported, and only it is counted.
    expect(res.usage).toEqual({ ...server.reportedUsage() });
  });

  it('gives up on repeated mid-stream overloads with ModelOverloadedError', async () => {
    server.script('*', [{ type: 'stream-error' }, { type: 'stream-error' }, { type: 'stream-error' }]);
    const err = await model().createMessage(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelOverloadedError);
    expect((err as Error).message).toMatch(/overloaded.*gave up after 2 retries/);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a mid-stream error that would fail again', async () => {
    server.script('*', [{ type: 'stream-error', errorType: 'invalid_request_error', message: 'bad block' }]);
    const err = await model().createMessage(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe('E_MODEL_API');
    expect((err as Error).message).toMatch(/invalid_request_error: bad block/);
    expect(server.requests).toHaveLength(1);
  });

  it('lets the SDK retry 529 then 429, then succeeds', async () => {
    server.script('*', [
      { type: 'error', status: 529, retryAfterSeconds: 0.01 },
      { type: 'error', status: 429, retryAfterSeconds: 0.01 },
      { type: 'message', content: [{ type: 'text', text: 'finally' }] },
    ]);
    const res = await model().createMessage(request());
    expect(res.content).toEqual([{ type: 'text', text: 'finally' }]);
    expect(server.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
  });

  it('fails with a clear cause once 429s or 529s outlast the retries', async () => {
    server.script('*', Array.from({ length: 3 }, () => ({ type: 'error' as const, status: 429, retryAfterSeconds: 0.01, message: 'slow down' })));
    const rate = await model().createMessage(request()).catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(ModelRateLimitError);
    expect((rate as ModelRateLimitError).status).toBe(429);
    expect((rate as Error).message).toMatch(/rate limited .*rate_limit_error: slow down.*gave up after 2 retries/);
    expect(server.requests).toHaveLength(3);

    server.reset();
    server.script('*', Array.from({ length: 3 }, () => ({ type: 'error' as const, status: 529, retryAfterSeconds: 0.01 })));
    const over = await model().createMessage(request()).catch((e: unknown) => e);
    expect(over).toBeInstanceOf(ModelOverloadedError);
    expect((over as ModelOverloadedError).status).toBe(529);
  });

  it('fails at once on 401, naming ANTHROPIC_API_KEY', async () => {
    const strict = await FakeAnthropicServer.start({ requireApiKey: 'the-right-key' });
    try {
      const err = await new AnthropicModel({ apiKey: 'wrong', baseURL: strict.url, defaultModel: 'claude-test', maxRetries: 3 })
        .createMessage(request())
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelAuthError);
      expect((err as ModelAuthError).code).toBe('E_MODEL_AUTH');
      expect((err as Error).message).toMatch(/ANTHROPIC_API_KEY.*401 authentication_error/);
      expect(strict.requests).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it('refuses to start without a key, naming ANTHROPIC_API_KEY', () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      expect(() => new AnthropicModel({ baseURL: server.url, defaultModel: 'x' })).toThrow(ModelAuthError);
      expect(() => new AnthropicModel({ baseURL: server.url, defaultModel: 'x' })).toThrow(/ANTHROPIC_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });

  it('names the model on a 404 and maps "prompt is too long" to a context-window stop', async () => {
    server.script('*', [
      { type: 'error', status: 404, message: 'model: claude-nope' },
      { type: 'error', status: 400, message: 'prompt is too long: 210000 tokens > 200000 maximum' },
      { type: 'error', status: 400, message: 'messages.0: bad' },
    ]);
    const m = model();
    const notFound = await m.createMessage(request({ model: 'claude-nope' })).catch((e: unknown) => e);
    expect((notFound as ModelError).code).toBe('E_MODEL_NOT_FOUND');
    expect((notFound as Error).message).toMatch(/"claude-nope"/);
    const tooLong = await m.createMessage(request()).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(ModelStopError);
    expect((tooLong as ModelStopError).stopReason).toBe('model_context_window_exceeded');
    const bad = await m.createMessage(request()).catch((e: unknown) => e);
    expect((bad as ModelError).code).toBe('E_MODEL_BAD_REQUEST');
    expect((bad as Error).message).toMatch(/messages\.0: bad/);
    expect(server.requests).toHaveLength(3);
  });

  it('names the base URL when nothing listens there', async () => {
    const dead = await FakeAnthropicServer.start();
    const url = dead.url;
    await dead.close();
    const err = await new AnthropicModel({ apiKey: 'test', baseURL: url, defaultModel: 'x', maxRetries: 0 }).createMessage(request()).catch((e: unknown) => e);
    expect((err as ModelError).code).toBe('E_MODEL_CONNECTION');
    expect((err as Error).message).toContain(url);
    expect((err as Error).message).toContain('ANTHROPIC_BASE_URL');
  });

  it('abandons a stalled stream and retries it', async () => {
    server.script('*', [
      { type: 'message', content: [{ type: 'text', text: 'a stream that stalls between its events' }], slowChunkMs: 5_000 },
      { type: 'message', content: [{ type: 'text', text: 'prompt' }] },
    ]);
    const res = await model({ streamIdleTimeoutMs: 300 }).createMessage(request());
    expect(res.content).toEqual([{ type: 'text', text: 'prompt' }]);
    expect(server.requests).toHaveLength(2);
  });

  it('stops at once when the caller aborts, mid-stream', async () => {
    server.script('*', [{ type: 'message', content: [{ type: 'text', text: 'slow slow slow slow slow slow slow' }], slowChunkMs: 2_000 }]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('shutdown')), 200);
    const started = Date.now();
    const err = await model().createMessage(request(), { signal: ac.signal }).catch((e: unknown) => e);
    expect((err as ModelError).code).toBe('E_MODEL_ABORTED');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(1);
  });

  it('bounds a request that never answers: a named, retryable timeout per try, all tries well under the default wall clock', async () => {
    server.script('*', [
      { type: 'message', content: [{ type: 'text', text: 'never sent' }], delayMs: 60_000 },
      { type: 'message', content: [{ type: 'text', text: 'never sent either' }], delayMs: 60_000 },
    ]);
    const err = await model({ timeoutMs: 300, maxRetries: 1 }).createMessage(request()).catch((e: unknown) => e);
    expect((err as ModelError).code).toBe('E_MODEL_TIMEOUT');
    expect((err as Error).message).toContain(`${server.url} (model "claude-test") got no response within 300 ms, 2 time(s)`);
    expect(server.requests).toHaveLength(2);
    // The defaults: every try of one call, and its stream's idle limit, fit well inside a worker's wall clock.
    const wallClock = WorkerLimitsSchema.parse({}).wallClockMs;
    expect((DEFAULT_REQUEST_TIMEOUT_MS + DEFAULT_STREAM_IDLE_TIMEOUT_MS) * (4 + 1)).toBeLessThan(wallClock);
  });

  it('sends no cache_control with prompt caching off', async () => {
    server.script('*', [{ type: 'message', content: [{ type: 'text', text: 'ok' }] }]);
    await model({ promptCaching: false }).createMessage(request());
    expect(JSON.stringify(server.requests[0]!.body)).not.toContain('cache_control');
  });
});
