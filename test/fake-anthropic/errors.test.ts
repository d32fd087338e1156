/** HTTP errors, retries, auth and dropped connections, as the real SDK sees them. */
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { as, client, params } from './helpers.js';

let server: FakeAnthropicServer;
let guarded: FakeAnthropicServer;
beforeAll(async () => {
  server = await FakeAnthropicServer.start();
  guarded = await FakeAnthropicServer.start({ requireApiKey: 'sk-right' });
});
afterAll(async () => {
  await Promise.all([server.close(), guarded.close()]);
});
beforeEach(() => {
  server.reset();
  guarded.reset();
});

const ok = { type: 'message' as const, content: [{ type: 'text' as const, text: 'finally' }] };

describe('fake-anthropic errors', () => {
  it('529 then 429 then success: the SDK retries through to the success', async () => {
    server.script('agent-1', [
      { type: 'error', status: 529, retryAfterSeconds: 0.01 },
      { type: 'error', status: 429, retryAfterSeconds: 0.01 },
      ok,
    ]);
    const msg = await client(server, 2).messages.create(params(), as('agent-1'));
    expect(msg.content).toEqual([{ type: 'text', text: 'finally' }]);
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((r) => r.reply)).toEqual(['error', 'error', 'message']);
    expect(server.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
  });

  it('sends the API error body, status, request-id and retry-after', async () => {
    server.script('*', [{ type: 'error', status: 429, retryAfterSeconds: 7, message: 'slow down' }]);
    const res = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(params()),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('request-id')).toBe('req_fake_1');
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' }, request_id: 'req_fake_1' });
  });

  it('maps statuses to the SDK error classes and types', async () => {
    server.script('*', [
      { type: 'error', status: 529 },
      { type: 'error', status: 429 },
      { type: 'error', status: 500 },
      { type: 'error', status: 400, message: 'messages: bad' },
      { type: 'error', status: 503, errorType: 'overloaded_error', shouldRetry: false },
    ]);
    const c = client(server);
    const fail = (): Promise<APIError> =>
      c.messages.create(params()).then(
        () => {
          throw new Error('expected an error reply');
        },
        (e: unknown) => e as APIError,
      );
    const errs = [await fail(), await fail(), await fail(), await fail(), await fail()];
    expect(errs.map((e) => e.constructor.name)).toEqual([
      'OverloadedError',
      'RateLimitError',
      'InternalServerError',
      'BadRequestError',
      'ServiceUnavailableError',
    ]);
    expect(errs.map((e) => e.type)).toEqual(['overloaded_error', 'rate_limit_error', 'api_error', 'invalid_request_error', 'overloaded_error']);
    // The SDK's message is the status plus the whole body as JSON; the API's own text is apiMessage.
    expect(errs[3]!.apiMessage).toBe('messages: bad');
    expect(errs[3]!.message).toMatch(/^400 .*messages: bad/);
    expect(errs[3]!.requestID).toBe('req_fake_4');
  });

  it('shouldRetry: false stops the SDK from retrying a retryable status', async () => {
    server.script('*', [{ type: 'error', status: 529, shouldRetry: false }, ok]);
    await expect(client(server, 2).messages.create(params())).rejects.toBeInstanceOf(Anthropic.OverloadedError);
    expect(server.requests).toHaveLength(1);
  });

  it('401 with requireApiKey: AuthenticationError at once, no retry, no script consumed', async () => {
    guarded.script('*', [ok]);
    const err = await client(guarded, 2, 'sk-wrong').messages.create(params()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as APIError).type).toBe('authentication_error');
    expect(guarded.requests).toHaveLength(1);
    expect(guarded.pending('*')).toBe(1);

    const msg = await client(guarded, 0, 'sk-right').messages.create(params());
    expect(msg.content).toEqual(ok.content);
  });

  it('a dropped connection surfaces as APIConnectionError (maxRetries 0)', async () => {
    server.script('*', [{ type: 'drop' }, { type: 'drop' }]);
    const c = client(server, 0);
    await expect(c.messages.create(params())).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
    await expect(c.messages.stream(params()).finalMessage()).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
    expect(server.requests.map((r) => r.reply)).toEqual(['drop', 'drop']);
  });

  it('the SDK retries a dropped connection when it may', async () => {
    server.script('*', [{ type: 'drop' }, ok]);
    const msg = await client(server, 1).messages.create(params());
    expect(msg.content).toEqual(ok.content);
    expect(server.requests).toHaveLength(2);
  });

  it('close() ends a stream that is still in flight', async () => {
    const lone = await FakeAnthropicServer.start();
    try {
      lone.script('*', [{ type: 'message', content: [{ type: 'text', text: 'a long and slow reply '.repeat(5) }], slowChunkMs: 200 }]);
      const stream = client(lone).messages.stream(params());
      const firstText = new Promise<void>((resolve) => stream.once('text', () => resolve()));
      const settled = stream.finalMessage().then(
        () => 'resolved',
        (e: unknown) => (e instanceof Anthropic.AnthropicError ? 'rejected' : 'odd'),
      );
      await firstText;
      await lone.close();
      expect(await settled).toBe('rejected');
    } finally {
      await lone.close();
    }
  });
});
