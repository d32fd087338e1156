/**
 * The redis-server the benches measure the redis transport against: one per bench run,
 * on a free loopback port, no persistence, stopped at exit; and redis-benchmark's XADD
 * figure on it, the floor under the transport's send.
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { makeTempDir, trackPid } from './cleanup.js';

let server: Promise<string> | undefined;
let serverPid: number | undefined;

/** True when Debian's redis-server and redis-benchmark are installed. */
export function hasRedis(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function start(): Promise<string> {
  const dir = makeTempDir('redis');
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' });
  // Tracked, so the suite's clean-up after each bench stops it; the next bench starts another.
  trackPid(child.pid!);
  serverPid = child.pid;
  child.unref();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.end();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (up) return `redis://127.0.0.1:${port}`;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start (see ${dir}/redis.log)`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The run's redis URL; starts the server on first use. */
export function benchRedisUrl(): Promise<string> {
  if (server && serverPid !== undefined && !alive(serverPid)) server = undefined;
  server ??= start();
  return server;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface XaddFloor {
  /** One client, no pipelining (one sender's case): requests/s and p50 round trip in ms. */
  oneClient: { rps: number; p50: number };
  /** 50 clients (a burst's case): requests/s and p50 in ms. */
  fiftyClients: { rps: number; p50: number };
}

/** redis-benchmark's XADD figures on the run's server, measured in the same run as the benches. */
export async function xaddFloor(n = 20_000): Promise<XaddFloor> {
  const port = new URL(await benchRedisUrl()).port;
  const run = (clients: number) => {
    const r = spawnSync('redis-benchmark', ['-p', port, '-n', String(n), '-c', String(clients), '-q', 'XADD', 'bench-floor', '*', 'f', 'v'], { encoding: 'utf8' });
    const out = r.stdout ?? '';
    const rps = /([\d.]+) requests per second/.exec(out);
    const p50 = /p50=([\d.]+) msec/.exec(out);
    return { rps: rps ? Number(rps[1]) : NaN, p50: p50 ? Number(p50[1]) : NaN };
  };
  return { oneClient: run(1), fiftyClients: run(50) };
}
