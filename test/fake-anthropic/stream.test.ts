/** SSE replies: the wire framing, and what the real SDK's MessageStream makes of them. */
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropicServer, type FakeReply } from '../support/fake-anthropic/index.js';
import { MODEL, client, params } from './helpers.js';

let server: FakeAnthropicServer;
beforeAll(async () => {
  server = await FakeAnthropicServer.start();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const toolInput = { path: 'notes/ünïcode 🚀.md', lines: [1, 2, 3], options: { follow: true, depth: null } };
const mixed: FakeReply = {
  type: 'message',
  content: [
    { type: 'text', text: 'I will read the file now, then summarize it for you.' },
    { type: 'tool_use', id: 'toolu_stream', name: 'read_file', input: toolInput },
  ],
  usage: { input_tokens: 50, output_tokens: 21, cache_read_input_tokens: 9 },
};

interface WireEvent {
  event: string;
  data: any;
}

/** POSTs with fetch and parses the SSE body strictly: every frame must be `event:` + one `data:` line. */
async function rawStream(): Promise<{ status: number; contentType: string | null; events: WireEvent[]; text: string }> {
  const res = await fetch(`${server.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
    body: JSON.stringify({ ...params(), stream: true }),
  });
  const text = await res.text();
  expect(text.endsWith('\n\n')).toBe(true);
  const events = text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const m = /^event: ([a-z_]+)\ndata: (.+)$/.exec(frame);
      expect(m, `bad SSE frame: ${JSON.stringify(frame)}`).not.toBeNull();
      return { event: m![1]!, data: JSON.parse(m![2]!) };
    });
  return { status: res.status, contentType: res.headers.get('content-type'), events, text };
}

describe('fake-anthropic SSE wire format', () => {
  it('frames the Messages event sequence, with tool input split across input_json_delta', async () => {
    server.script('*', [mixed]);
    const { status, contentType, events } = await rawStream();
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/event-stream/);
    for (const e of events) expect(e.data.type).toBe(e.event);

    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);

    const start = events[0]!.data.message;
    expect(start).toMatchObject({ id: 'msg_fake_1', type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null });
    expect(Object.keys(start.usage)).toEqual(
      expect.arrayContaining(['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'output_tokens']),
    );
    expect(start.usage).toMatchObject({ input_tokens: 50, cache_read_input_tokens: 9, cache_creation_input_tokens: 0 });

    const deltas = (index: number) => events.filter((e) => e.event === 'content_block_delta' && e.data.index === index).map((e) => e.data.delta);
    const textDeltas = deltas(0);
    expect(textDeltas.length).toBeGreaterThan(1);
    expect(textDeltas.every((d) => d.type === 'text_delta')).toBe(true);
    expect(textDeltas.map((d) => d.text).join('')).toBe('I will read the file now, then summarize it for you.');

    const toolStart = events.find((e) => e.event === 'content_block_start' && e.data.index === 1)!;
    expect(toolStart.data.content_block).toEqual({ type: 'tool_use', id: 'toolu_stream', name: 'read_file', input: {} });
    const jsonDeltas = deltas(1);
    expect(jsonDeltas.every((d) => d.type === 'input_json_delta')).toBe(true);
    const pieces = jsonDeltas.map((d) => d.partial_json as string).filter((p) => p !== '');
    expect(pieces.length).toBeGreaterThan(2);
    expect(() => JSON.parse(pieces[0]!)).toThrow();
    expect(JSON.parse(pieces.join(''))).toEqual(toolInput);

    // Every block is opened before its deltas and closed after them.
    for (const index of [0, 1]) {
      const at = (name: string) => events.findIndex((e) => e.event === name && e.data.index === index);
      const lastDelta = events.map((e, i) => (e.event === 'content_block_delta' && e.data.index === index ? i : -1)).reduce((a, b) => Math.max(a, b));
      expect(at('content_block_start')).toBeLessThan(at('content_block_delta'));
      expect(lastDelta).toBeLessThan(at('content_block_stop'));
    }
    expect(events.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 21 },
    });
  });

  it('ends a stream-error with an `event: error` frame carrying the API error body', async () => {
    server.script('*', [{ type: 'stream-error', afterEvents: 3, content: [{ type: 'text', text: 'partial' }] }]);
    const { status, events } = await rawStream();
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual(['message_start', 'ping', 'content_block_start', 'error']);
    expect(events[3]!.data).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_fake_1' });
  });
});

describe('fake-anthropic streaming through the SDK', () => {
  it('finalMessage() rebuilds exactly what the JSON reply says, tool input included', async () => {
    server.script('*', [mixed, mixed]);
    const c = client(server);
    const json = await c.messages.create(params());
    const streamed = await c.messages.stream(params()).finalMessage();
    expect(streamed.content).toEqual([
      { type: 'text', text: 'I will read the file now, then summarize it for you.' },
      { type: 'tool_use', id: 'toolu_stream', name: 'read_file', input: toolInput },
    ]);
    // The stream's message carries SDK extras (parsed_output, stop_details); all else is equal.
    expect(streamed).toMatchObject({ ...json, id: streamed.id });
    expect(streamed.usage).toMatchObject({ input_tokens: 50, output_tokens: 21, cache_read_input_tokens: 9, cache_creation_input_tokens: 0 });
    expect(server.requests.map((r) => r.stream)).toEqual([false, true]);
  });

  it('delivers text events incrementally, before the server has finished the stream', async () => {
    const text = 'The quick brown fox jumps over the lazy dog, then naps in the afternoon sun for a while.';
    server.script('*', [{ type: 'message', content: [{ type: 'text', text }], slowChunkMs: 10 }]);
    const stream = client(server).messages.stream(params());
    const deltas: string[] = [];
    const snapshots: string[] = [];
    let usageAtFirstText: number | undefined;
    stream.on('text', (delta, snapshot) => {
      usageAtFirstText ??= server.reportedUsage().output_tokens;
      deltas.push(delta);
      snapshots.push(snapshot);
    });
    const final = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(text);
    expect(snapshots.at(-1)).toBe(text);
    expect(snapshots[0]!.length).toBeLessThan(text.length);
    // The server counts usage only as it writes message_stop; the client saw text long before.
    expect(usageAtFirstText).toBe(0);
    expect(server.reportedUsage().output_tokens).toBe(final.usage.output_tokens);
  });

  it('a mid-stream error event rejects the stream with an APIError of that type', async () => {
    server.script('*', [{ type: 'stream-error', errorType: 'overloaded_error', message: 'Overloaded', content: [{ type: 'text', text: 'partial answer' }] }]);
    const stream = client(server, 2).messages.stream(params());
    let seen = '';
    stream.on('text', (d) => (seen += d));
    const err = await stream.finalMessage().catch((e: unknown) => e);
    // The SDK builds the error from the event's body: no HTTP status, the body's type, and a
    // message that is the body as JSON. It does not retry (the status was already 200).
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const apiErr = err as APIError;
    expect(apiErr.status).toBeUndefined();
    expect(apiErr.type).toBe('overloaded_error');
    expect(apiErr.apiMessage).toBe('Overloaded');
    expect(apiErr.message).toContain('overloaded_error');
    expect(seen).toBe('partial answer');
    expect(server.requests).toHaveLength(1);
  });

  it('a stream-error reply to a non-streaming call is the matching HTTP error', async () => {
    server.script('*', [{ type: 'stream-error', errorType: 'overloaded_error' }]);
    const err = await client(server).messages.create(params()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    expect((err as APIError).status).toBe(529);
  });

  it('a connection dropped mid-stream rejects with the fetch "terminated" error', async () => {
    server.script('*', [{ type: 'message', content: [{ type: 'text', text: 'this will be cut off part way' }], dropAfterEvents: 4 }]);
    const stream = client(server).messages.stream(params());
    let seen = '';
    stream.on('text', (d) => (seen += d));
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AnthropicError);
    expect(err).not.toBeInstanceOf(Anthropic.APIError);
    expect((err as Error).message).toBe('terminated');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan('this will be cut off part way'.length);
    expect(server.reportedUsage().output_tokens).toBe(0);
  });

  it('malformed tool input streams as input_json_delta pieces the SDK cannot parse', async () => {
    const raw = '{"path": "a.txt", "mode": oops}';
    server.script('*', [{ type: 'malformed-tool-input', name: 'read_file', id: 'toolu_bad', raw }, { type: 'malformed-tool-input', name: 'read_file', raw }]);
    const c = client(server);

    // Raw events: the pieces join to the raw text.
    const events = await c.messages.create({ ...params(), stream: true });
    let joined = '';
    let stop: string | null | undefined;
    for await (const e of events) {
      if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') joined += e.delta.partial_json;
      if (e.type === 'message_delta') stop = e.delta.stop_reason;
    }
    expect(joined).toBe(raw);
    expect(stop).toBe('tool_use');

    // MessageStream parses the input at content_block_stop, so it fails with a JSON SyntaxError.
    const err = await c.messages.stream(params()).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AnthropicError);
    expect((err as Error & { cause?: unknown }).cause).toBeInstanceOf(SyntaxError);
  });
});
