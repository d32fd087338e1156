/**
 * A local stand-in for the Anthropic Messages API (POST /v1/messages), JSON and SSE, that
 * serves scripted replies per agent. Tests point the real SDK at `server.url`.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Usage } from '../../../src/model/types.js';
import {
  buildMessage,
  computeUsage,
  defaultStopReason,
  errorBody,
  errorTypeForStatus,
  statusForErrorType,
  type ApiMessage,
} from './shapes.js';
import { errorEvent, frame, messageEvents, type SseEvent } from './sse.js';
import type {
  FakeBlock,
  FakeReply,
  FakeResponder,
  FakeServerOptions,
  RecordedRequest,
  ReportedUsage,
} from './types.js';

/** Everything one request's handler needs. */
interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  record: RecordedRequest;
  requestId: string;
  rawLength: number;
}

interface Pacing {
  delayMs?: number;
  slowChunkMs?: number;
  dropAfterEvents?: number;
}

const zeroUsage = (): ReportedUsage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `x-api-key`, else the bearer token: the API accepts either, and SDK 1.x sends the bearer form. */
function apiKeyOf(req: http.IncomingMessage): string | undefined {
  const apiKey = headerValue(req.headers['x-api-key']);
  if (apiKey !== undefined) return apiKey;
  const auth = headerValue(req.headers.authorization);
  return auth?.match(/^Bearer\s+(.+)$/i)?.[1];
}

/** True once the client can no longer receive anything on this response. */
function gone(res: http.ServerResponse): boolean {
  return res.destroyed || res.writableEnded;
}

/** Writes and waits until the chunk is flushed to the socket; false if the client went away. */
function write(res: http.ServerResponse, chunk: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (gone(res)) {
      resolve(false);
      return;
    }
    const onClose = (): void => resolve(false);
    res.once('close', onClose);
    res.write(chunk, (err) => {
      res.off('close', onClose);
      resolve(!err);
    });
  });
}

export class FakeAnthropicServer {
  /** Base URL, e.g. `http://127.0.0.1:54321`: the SDK's `baseURL` / ANTHROPIC_BASE_URL. */
  readonly url: string;
  /** Every request received, in order (cleared by `reset`). */
  readonly requests: RecordedRequest[] = [];

  readonly #server: http.Server;
  readonly #opts: FakeServerOptions;
  readonly #queues = new Map<string, FakeReply[]>();
  readonly #sockets = new Set<Socket>();
  readonly #sleepers = new Set<() => void>();
  #responder: FakeResponder | undefined;
  #usage = zeroUsage();
  #requestCount = 0;
  #messageCount = 0;
  #toolCount = 0;
  #closed = false;

  private constructor(server: http.Server, url: string, opts: FakeServerOptions) {
    this.#server = server;
    this.url = url;
    this.#opts = opts;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.#handle(req, res).catch((err: unknown) => {
        // A bug in the fake or a throwing responder must not hang the client: fail loudly, once.
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const why = err instanceof Error ? err.message : String(err);
        this.#sendError(res, 500, 'api_error', `fake-anthropic: internal error: ${why}`, 'req_fake_internal', {
          'x-should-retry': 'false',
        });
      });
    });
  }

  /** Listens on 127.0.0.1 (a free port unless `port` is given). */
  static async start(opts: FakeServerOptions = {}): Promise<FakeAnthropicServer> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return new FakeAnthropicServer(server, `http://127.0.0.1:${port}`, opts);
  }

  /** Appends replies to the queue for an agent id, a role, or '*' (any request). */
  script(key: string, replies: FakeReply[]): this {
    const queue = this.#queues.get(key) ?? [];
    queue.push(...replies);
    this.#queues.set(key, queue);
    return this;
  }

  /** Sets the responder consulted when no queued reply matches (replaces any earlier one). */
  respond(fn: FakeResponder): this {
    this.#responder = fn;
    return this;
  }

  /** Replies still queued: for one key, or across all keys. */
  pending(key?: string): number {
    if (key !== undefined) return this.#queues.get(key)?.length ?? 0;
    let n = 0;
    for (const q of this.#queues.values()) n += q.length;
    return n;
  }

  /** Requests whose agent or role header equals `agentOrRole`; '*' gives all of them. */
  requestsFor(agentOrRole: string): RecordedRequest[] {
    if (agentOrRole === '*') return [...this.requests];
    return this.requests.filter((r) => r.agent === agentOrRole || r.role === agentOrRole);
  }

  /** Sum of the usage this server REPORTED in completed successful replies. */
  reportedUsage(): ReportedUsage {
    return { ...this.#usage };
  }

  /** Forgets scripts, the responder, recorded requests, usage and id counters. */
  reset(): void {
    this.#queues.clear();
    this.#responder = undefined;
    this.requests.length = 0;
    this.#usage = zeroUsage();
    this.#requestCount = 0;
    this.#messageCount = 0;
    this.#toolCount = 0;
  }

  /** Stops listening and destroys every open socket, including streams in flight. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const wake of this.#sleepers) wake();
    this.#sleepers.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  // ---- request handling ----

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');

    let body: any = raw;
    let parsed = false;
    try {
      body = JSON.parse(raw);
      parsed = true;
    } catch {
      // Kept as text; refused below if it reached the messages endpoint.
    }

    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const requestId = `req_fake_${++this.#requestCount}`;
    const record: RecordedRequest = {
      agent: headerValue(req.headers['x-mailroom-agent']),
      role: headerValue(req.headers['x-mailroom-role']),
      apiKey: apiKeyOf(req),
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      body,
      stream: parsed && typeof body === 'object' && body !== null && body.stream === true,
      at: Date.now(),
      reply: 'error',
    };
    this.requests.push(record);
    const ex: Exchange = { req, res, record, requestId, rawLength: raw.length };

    if (req.method !== 'POST' || path !== '/v1/messages') {
      this.#sendError(res, 404, 'not_found_error', `Not found: ${req.method} ${path}`, requestId);
      return;
    }
    const authFailure = this.#checkAuth(req);
    if (authFailure) {
      this.#sendError(res, 401, 'authentication_error', authFailure, requestId);
      return;
    }
    const invalid = parsed ? this.#validate(req, body) : 'There was an error parsing the body as JSON.';
    if (invalid) {
      this.#sendError(res, 400, 'invalid_request_error', invalid, requestId);
      return;
    }

    const reply = this.#take(record.agent, record.role) ?? this.#responder?.(record);
    if (!reply) {
      record.reply = 'unscripted';
      const who = `agent ${record.agent ?? '(no x-mailroom-agent)'}${record.role ? ` (role ${record.role})` : ''}`;
      // x-should-retry: false so the SDK fails at once instead of retrying a missing script.
      this.#sendError(res, 500, 'api_error', `fake-anthropic: no scripted reply for ${who}`, requestId, {
        'x-should-retry': 'false',
      });
      return;
    }
    record.reply = reply.type;
    await this.#serve(ex, reply);
  }

  /** Queue order: the agent's own, then its role's, then '*'. */
  #take(agent: string | undefined, role: string | undefined): FakeReply | undefined {
    for (const key of [agent, role, '*']) {
      if (key === undefined) continue;
      const queue = this.#queues.get(key);
      if (queue && queue.length > 0) return queue.shift();
    }
    return undefined;
  }

  #checkAuth(req: http.IncomingMessage): string | undefined {
    const required = this.#opts.requireApiKey;
    if (required === undefined) return undefined;
    const key = apiKeyOf(req);
    if (key === required) return undefined;
    return key === undefined ? 'x-api-key header is required' : 'invalid x-api-key';
  }

  /** The refusals of the real API that a client bug would trigger. */
  #validate(req: http.IncomingMessage, body: any): string | undefined {
    if (this.#opts.validate === false) return undefined;
    if (!req.headers['anthropic-version']) return 'anthropic-version: header is required';
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Request body must be a JSON object';
    if (typeof body.model !== 'string') return 'model: Field required';
    if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
    if (!Array.isArray(body.messages)) return 'messages: Field required';
    return undefined;
  }

  async #serve(ex: Exchange, reply: FakeReply): Promise<void> {
    switch (reply.type) {
      case 'message': {
        const message = this.#message(ex, reply.content, reply.stop_reason, reply.usage, reply.model);
        await this.#serveMessage(ex, message, new Map(), reply);
        return;
      }
      case 'malformed-tool-input': {
        const content: FakeBlock[] = reply.text ? [{ type: 'text', text: reply.text }] : [];
        const id = reply.id ?? `toolu_fake_${++this.#toolCount}`;
        // In JSON the broken input can only travel as a string; in SSE it is the raw text.
        content.push({ type: 'tool_use', id, name: reply.name, input: reply.raw });
        const message = this.#message(ex, content, 'tool_use', reply.usage, undefined);
        await this.#serveMessage(ex, message, new Map([[content.length - 1, reply.raw]]), reply);
        return;
      }
      case 'error': {
        await this.#sleep(reply.delayMs);
        if (gone(ex.res)) return;
        const headers: Record<string, string> = {};
        if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = String(reply.retryAfterSeconds);
        if (reply.shouldRetry !== undefined) headers['x-should-retry'] = String(reply.shouldRetry);
        const type = reply.errorType ?? errorTypeForStatus(reply.status);
        this.#sendError(ex.res, reply.status, type, reply.message, ex.requestId, headers);
        return;
      }
      case 'drop': {
        await this.#sleep(reply.delayMs);
        ex.req.socket.destroy();
        return;
      }
      case 'stream-error': {
        const type = reply.errorType ?? 'overloaded_error';
        const body = errorBody(type, reply.message, ex.requestId);
        if (!ex.record.stream) {
          // Outside a stream the same failure is a plain HTTP error.
          await this.#sleep(reply.delayMs);
          if (gone(ex.res)) return;
          this.#sendError(ex.res, statusForErrorType(type), type, body.error.message, ex.requestId);
          return;
        }
        const message = this.#message(ex, reply.content ?? [], undefined, undefined, undefined);
        const before = messageEvents(message).filter((e) => e.event !== 'message_delta' && e.event !== 'message_stop');
        const events = [...before.slice(0, reply.afterEvents ?? before.length), errorEvent(body)];
        await this.#streamEvents(ex, events, reply, undefined);
        return;
      }
    }
  }

  #message(
    ex: Exchange,
    content: FakeBlock[],
    stopReason: ApiMessage['stop_reason'] | undefined,
    usage: Partial<Usage> | undefined,
    model: string | undefined,
  ): ApiMessage {
    const requested = ex.record.body?.model;
    return buildMessage({
      id: `msg_fake_${++this.#messageCount}`,
      model: model ?? (typeof requested === 'string' ? requested : 'claude-fake'),
      content,
      stopReason: stopReason ?? defaultStopReason(content),
      usage: computeUsage(ex.rawLength, content, usage),
    });
  }

  async #serveMessage(ex: Exchange, message: ApiMessage, rawInputs: Map<number, string>, pacing: Pacing): Promise<void> {
    if (ex.record.stream) {
      // A stream cut short by dropAfterEvents delivered no message, so reports no usage.
      const onComplete = pacing.dropAfterEvents === undefined ? () => this.#count(message) : undefined;
      await this.#streamEvents(ex, messageEvents(message, rawInputs), pacing, onComplete);
      return;
    }
    await this.#sleep(pacing.delayMs);
    if (gone(ex.res)) return;
    // Counted before the bytes leave, so a client that has the reply sees it in the total.
    this.#count(message);
    this.#sendJson(ex.res, 200, message, ex.requestId);
  }

  /**
   * Sends `events` as SSE. `beforeLast` runs just before the final event is written (usage
   * accounting: the client cannot have the whole message before then).
   */
  async #streamEvents(ex: Exchange, events: SseEvent[], pacing: Pacing, beforeLast: (() => void) | undefined): Promise<void> {
    const { res } = ex;
    await this.#sleep(pacing.delayMs);
    if (gone(res)) return;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': ex.requestId,
    });
    res.flushHeaders();
    for (let i = 0; i < events.length; i++) {
      if (pacing.dropAfterEvents !== undefined && i >= pacing.dropAfterEvents) {
        res.socket?.destroy();
        return;
      }
      if (i > 0) await this.#sleep(pacing.slowChunkMs);
      if (gone(res) || this.#closed) return;
      if (i === events.length - 1) beforeLast?.();
      const event = events[i];
      if (!event || !(await write(res, frame(event)))) return;
    }
    if (pacing.dropAfterEvents !== undefined) {
      // Dropping after the last event still leaves the chunked body unterminated.
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  #count(message: ApiMessage): void {
    const u = message.usage;
    this.#usage.input_tokens += u.input_tokens;
    this.#usage.output_tokens += u.output_tokens;
    this.#usage.cache_read_input_tokens += u.cache_read_input_tokens;
    this.#usage.cache_creation_input_tokens += u.cache_creation_input_tokens;
  }

  #sendJson(res: http.ServerResponse, status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      'request-id': requestId,
      ...headers,
    });
    res.end(text);
  }

  #sendError(
    res: http.ServerResponse,
    status: number,
    type: string,
    message: string | undefined,
    requestId: string,
    headers: Record<string, string> = {},
  ): void {
    this.#sendJson(res, status, errorBody(type, message, requestId), requestId, headers);
  }

  /** A delay that `close()` cuts short. */
  #sleep(ms: number | undefined): Promise<void> {
    if (!ms || ms <= 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }
}
