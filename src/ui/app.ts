/**
 * The viewer's HTTP routes (Hono): the page and its assets, the JSON API, the SSE stream
 * of changes, and the actions endpoint. Every route needs the token; paths that could
 * leave the runtime dir are refused before any file is touched.
 */
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { MailroomError, RequestAnsweredError, RequestNotFoundError, UsageError, describeError } from '../errors.js';
import { ActionSchema, runAction } from './actions.js';
import type { UiAssets } from './assets.js';
import { tokenMatches, tokenOf } from './auth.js';
import { agentPayload, sessionPayload, sessionsPayload } from './data.js';
import type { SessionWatcher } from './live.js';
import { PathRefused, hasTraversal, resolveAgent, resolveSession } from './paths.js';
import { readSessionLoose } from '../inspect/session-data.js';

export interface AppOptions {
  runtimeDir: string;
  token: string;
  assets: UiAssets;
  watcher: SessionWatcher;
  /** Host names the Host header may carry (DNS-rebinding guard); undefined allows any. */
  allowedHosts?: string[];
  /** Aborted when the server stops, to end open SSE streams. */
  stopping: AbortSignal;
  /** The Redis of redis-transport sessions (`mailroom ui --redis`). */
  redisUrl?: string;
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function fail(c: Context, status: 400 | 401 | 403 | 404 | 405 | 409 | 500, message: string) {
  return c.json({ error: message }, status);
}

function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return new URL(`http://${header}`).hostname;
  } catch {
    return undefined;
  }
}

/** The Hono app; `server.ts` listens with it. */
export function createApp(opts: AppOptions): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
    const url = new URL(c.req.url);
    if (opts.allowedHosts && !opts.allowedHosts.includes(hostName(c.req.header('host')) ?? '')) {
      return fail(c, 403, 'unexpected Host header');
    }
    if (!tokenMatches(opts.token, tokenOf({ get: (n) => c.req.header(n) }, url))) {
      return fail(c, 401, 'missing or wrong token: open the URL that `mailroom ui` printed');
    }
    // The raw path, before the router normalises or decodes it: refuse `..` in any form.
    const raw = c.req.raw.url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0] ?? '';
    if (hasTraversal(raw)) return fail(c, 400, 'path refused: no ".." or encoded separators');
    await next();
    c.header('Content-Security-Policy', CSP);
  });

  app.get('/', (c) => c.html(opts.assets.indexHtml(opts.token)));
  app.get('/assets/:name', (c) => {
    const asset = opts.assets.get(c.req.param('name'));
    if (!asset) return fail(c, 404, 'no such asset');
    return c.body(asset.body, 200, { 'Content-Type': asset.type });
  });

  // A redis session's mail, hosts and replies are reached through Redis when the viewer has it.
  // Only for a session recorded as redis: the viewer shows local sessions from their folders.
  const session = async (id: string) => {
    const ref = await resolveSession(opts.runtimeDir, id);
    const onRedis = opts.redisUrl !== undefined && (await readSessionLoose(ref.dir))?.transport === 'redis';
    return onRedis ? { ...ref, redisUrl: opts.redisUrl } : ref;
  };
  app.get('/api/sessions', async (c) => c.json(await sessionsPayload(opts.runtimeDir)));
  app.get('/api/sessions/:id', async (c) => c.json(await sessionPayload(await session(c.req.param('id')))));
  app.get('/api/sessions/:id/agents/:agent', async (c) => {
    const ref = await session(c.req.param('id'));
    const agent = c.req.param('agent');
    await resolveAgent(ref, agent);
    return c.json(await agentPayload(ref, agent));
  });

  app.post('/api/sessions/:id/actions', async (c) => {
    const ref = await session(c.req.param('id'));
    // A JSON body only: a plain HTML form from another site cannot send this content type.
    if (!(c.req.header('content-type') ?? '').startsWith('application/json')) return fail(c, 400, 'send the action as application/json');
    const parsed = ActionSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return fail(c, 400, `bad action: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
    if (parsed.data.action === 'kill' && parsed.data.agent) await resolveAgent(ref, parsed.data.agent);
    try {
      return c.json(await runAction(ref, parsed.data));
    } catch (err) {
      // A reply the person cannot send: already answered (409), or no such request (404).
      if (err instanceof RequestAnsweredError) return fail(c, 409, err.message);
      if (err instanceof RequestNotFoundError) return fail(c, 404, err.message);
      if (err instanceof UsageError) return fail(c, 400, err.message);
      throw err;
    }
  });
  app.all('/api/sessions/:id/actions', (c) => fail(c, 405, 'actions need POST'));

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = opts.watcher.subscribe((batch) => {
        queue.push(JSON.stringify(batch));
        wake?.();
      });
      const stop = () => wake?.();
      opts.stopping.addEventListener('abort', stop);
      stream.onAbort(stop);
      try {
        await stream.writeSSE({ event: 'hello', data: '{}' });
        while (!stream.aborted && !stream.closed && !opts.stopping.aborted) {
          const data = queue.shift();
          if (data !== undefined) {
            await stream.writeSSE({ event: 'change', data });
            continue;
          }
          // Wait for news, or send a comment now and then so proxies keep the stream open.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 15_000);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
          if (!queue.length && !stream.aborted && !opts.stopping.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
        opts.stopping.removeEventListener('abort', stop);
      }
    }),
  );

  app.notFound((c) => fail(c, 404, 'not found'));
  app.onError((err, c) => {
    if (err instanceof PathRefused) return fail(c, err.status, err.message);
    if (err instanceof MailroomError && /NOT_FOUND|UNKNOWN/.test(err.code)) return fail(c, 404, err.message);
    if (err instanceof MailroomError && err.code === 'E_SESSION_LOCKED') return fail(c, 409, err.message);
    return fail(c, 500, describeError(err));
  });
  return app;
}
