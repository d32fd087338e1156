/**
 * A real redis-server for one test file: on a free loopback port, in its own temp dir,
 * with no persistence; stopped (and its dir removed) by stop(). Carries MAILROOM_TEST_RUN
 * in its environment, so the suite's leak detector sees it if a test forgets to stop it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { killStartedClis } from './cli.js';

export interface TestRedis {
  url: string;
  port: number;
  host: string;
  password?: string;
  dir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** True when Debian's redis-server is installed (.ci/run installs it). */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function pingable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port }, () => {
      sock.end();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export interface StartRedisOptions {
  password?: string;
  /** Loopback by default. */
  host?: string;
}

/** Starts redis-server; retries on a port race. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<TestRedis> {
  const host = opts.host ?? '127.0.0.1';
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mailroom-redis-'));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(host);
    const args = ['--port', String(port), '--bind', host, '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'no', '--logfile', path.join(dir, 'redis.log')];
    if (opts.password) args.push('--requirepass', opts.password);
    const proc = spawn('redis-server', args, { stdio: 'ignore', env: process.env });
    let exited = false;
    proc.once('exit', () => (exited = true));
    const deadline = Date.now() + 20_000;
    while (!exited && Date.now() < deadline && !(await pingable(host, port))) await sleep(25);
    if (exited || Date.now() >= deadline) {
      proc.kill('SIGKILL');
      continue;
    }
    const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
    return {
      url: `redis://${auth}${host}:${port}`,
      port,
      host,
      password: opts.password,
      dir,
      proc,
      stop: async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          const gone = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGKILL');
          await gone;
        }
        await fsp.rm(dir, { recursive: true, force: true });
      },
    };
  }
  await fsp.rm(dir, { recursive: true, force: true });
  throw new Error(`could not start redis-server on ${host} (see ${dir}/redis.log)`);
}

/**
 * One redis-server for a describe block (started before its tests, stopped after), a client
 * on it, and folders to remove at the end. Read `server` and `client` inside the tests.
 */
export function useRedisServer(opts: StartRedisOptions = {}): { readonly server: TestRedis; readonly client: Redis; dirs: string[] } {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startRedis(opts);
    client = new Redis(server.url);
  });
  afterAll(async () => {
    killStartedClis();
    client?.disconnect();
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    get server() {
      if (!server) throw new Error('useRedisServer: the server starts in beforeAll; read it inside a test');
      return server;
    },
    get client() {
      if (!client) throw new Error('useRedisServer: the client starts in beforeAll; read it inside a test');
      return client;
    },
    dirs,
  };
}
