/**
 * `mailroom ui`: the session viewer's server. It binds 127.0.0.1 unless told otherwise,
 * prints a URL with a fresh token, and serves the page, the API and the live stream.
 * `close()` ends the SSE streams, the watcher and every connection, so nothing is left.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { resolveRuntimeDir } from '../session/layout.js';
import { createApp } from './app.js';
import { DEFAULT_UI_PORT, isLoopback } from './host.js';
import { loadAssets } from './assets.js';
import { newToken } from './auth.js';
import { SessionWatcher } from './live.js';

export { DEFAULT_UI_PORT, isLoopback } from './host.js';

export interface ViewerOptions {
  runtimeDir?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** A fixed token (tests); a random one by default. */
  token?: string;
  /** The Redis of redis-transport sessions: their mailboxes, workers on hosts, replies and kills. */
  redisUrl?: string;
}

export interface Viewer {
  /** The URL to open, token included. */
  url: string;
  origin: string;
  token: string;
  port: number;
  host: string;
  runtimeDir: string;
  close(): Promise<void>;
}

export async function startViewer(opts: ViewerOptions = {}): Promise<Viewer> {
  const runtimeDir = resolveRuntimeDir(opts.runtimeDir);
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const assets = await loadAssets();
  const watcher = new SessionWatcher(runtimeDir);
  await watcher.start();
  const stopping = new AbortController();
  const app = createApp({
    runtimeDir,
    token,
    assets,
    watcher,
    stopping: stopping.signal,
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    // On loopback, only loopback names: a page on another site cannot rebind its DNS to us.
    ...(isLoopback(host) ? { allowedHosts: ['127.0.0.1', 'localhost', '[::1]', '::1'] } : {}),
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? DEFAULT_UI_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await watcher.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const origin = `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    host,
    runtimeDir,
    close: () =>
      (closed ??= (async () => {
        stopping.abort();
        await watcher.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
        });
      })()),
  };
}
