/** Shared bits of the MCP tests: server commands for the real npm servers and the test server, free ports, process checks. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

const MODULES = path.join(REPO_ROOT, 'node_modules', '@modelcontextprotocol');

/** stdio config of @modelcontextprotocol/server-filesystem, scoped to `dir`. */
export function filesystemServer(dir: string) {
  return { command: process.execPath, args: [path.join(MODULES, 'server-filesystem', 'dist', 'index.js'), dir] };
}

/** stdio config of @modelcontextprotocol/server-memory, keeping its graph in `file`. */
export function memoryServer(file: string) {
  return { command: process.execPath, args: [path.join(MODULES, 'server-memory', 'dist', 'index.js')], env: { MEMORY_FILE_PATH: file } };
}

/** stdio config of @modelcontextprotocol/server-everything. */
export function everythingServer() {
  return { command: process.execPath, args: [path.join(MODULES, 'server-everything', 'dist', 'index.js'), 'stdio'] };
}

/** stdio config of the test server (echo, hang, crash). */
export function testServer(env: Record<string, string> = {}) {
  return { command: process.execPath, args: [path.join(REPO_ROOT, 'test', 'support', 'mcp-test-server.mjs')], env };
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** server-everything over Streamable HTTP on a free port; resolves once it listens. */
export async function startEverythingHttp(): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(MODULES, 'server-everything', 'dist', 'index.js'), 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (/listening on port/i.test(seen)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server-everything exited (${code}): ${seen}`)));
    setTimeout(() => reject(new Error(`server-everything did not listen: ${seen}`)), 30_000).unref();
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    },
  };
}

/** True while a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Pids written to a pid file, one a line. */
export function pidsIn(file: string): number[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Waits until none of `pids` is alive; returns those still alive at the deadline. */
export async function waitGone(pids: number[], withinMs = 20_000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
