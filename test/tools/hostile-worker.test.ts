/**
 * End to end (issue 13, done-when): a real research worker process fetches a hostile page
 * (2,000 nested divs, minutes of Readability on the main thread before the fix) from a
 * server on 127.0.0.1. Its heartbeat stays fresh throughout, it is never restarted, and
 * the fetch_url call ends within its time limits plus a second.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HTML_TIMEOUT_MS } from '../../src/tools/extract.js';
import { killStartedClis, readJson, readJsonl, startCli, tempRuntime } from '../support/cli.js';
import { planReply, textReply, toolReply, writeScript } from '../support/script.js';
import { deepHtml } from './helpers.js';

const runtime = tempRuntime('mailroom-hostile-');
let server: http.Server;
let port = 0;

beforeAll(async () => {
  const page = deepHtml(2000);
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(() => killStartedClis());
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(runtime, { recursive: true, force: true });
});

describe('a worker fed a hostile page', () => {
  it('keeps its heartbeat fresh and ends the call within its limits', async () => {
    const url = `http://127.0.0.1:${port}/deep`;
    const script = writeScript(runtime, {
      agents: {
        coordinator: [planReply({ subtasks: [{ id: 'read', role: 'research', description: 'Read the page' }], failurePolicy: 'all' }), textReply('DONE')],
        'w01-research': [toolReply('fetch_url', { url }), textReply('read it')],
      },
    });
    const heartbeatMs = 250;
    const run = startCli([
      '--runtime-dir', runtime, '--script', script, '--no-live',
      '--heartbeat-ms', String(heartbeatMs), '--heartbeat-misses', '12',
      '--fetch-allow', `127.0.0.1:${port}`, 'read a hostile page',
    ]);
    // Sample the heartbeat's age while the worker runs: it must never go stale.
    let stalest = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      const sessions = path.join(runtime, 'sessions');
      const id = fs.existsSync(sessions) ? fs.readdirSync(sessions)[0] : undefined;
      if (!id) return;
      const hb = path.join(sessions, id, 'agents', 'w01-research', 'heartbeat');
      const agent = path.join(sessions, id, 'agents', 'w01-research', 'agent.json');
      if (!fs.existsSync(hb) || !fs.existsSync(agent)) return;
      if (readJson<{ status?: string }>(agent).status !== 'running') return;
      samples++;
      stalest = Math.max(stalest, Date.now() - fs.statSync(hb).mtimeMs);
    }, 50);
    const done = await run.done;
    clearInterval(sampler);
    expect(done.code, done.stderr).toBe(0);

    const dir = path.join(runtime, 'sessions', fs.readdirSync(path.join(runtime, 'sessions'))[0]!);
    const worker = path.join(dir, 'agents', 'w01-research');
    // One attempt: the worker was never declared dead and retried.
    expect(readJson<{ attempt: number }>(path.join(worker, 'agent.json')).attempt).toBe(1);
    // The heartbeat was watched while the call ran, and never aged past a second of blocking
    // plus one interval (with slack for a loaded machine; before the fix it went stale for minutes).
    expect(samples).toBeGreaterThan(10);
    expect(stalest).toBeLessThan(1_000 + heartbeatMs + 750);

    // The call returned the page's text, through the cheaper extraction.
    const results = readJsonl<{ kind: string; message?: { role: string; content: unknown } }>(path.join(worker, 'transcript.jsonl'))
      .filter((l) => l.kind === 'message' && l.message!.role === 'user' && Array.isArray(l.message!.content))
      .flatMap((l) => l.message!.content as Array<{ type: string; content: string; is_error?: boolean }>)
      .filter((b) => b.type === 'tool_result');
    expect(results).toHaveLength(1);
    expect(results[0]!.is_error ?? false).toBe(false);
    expect(results[0]!.content).toContain('Sea otters float on their backs');
    expect(results[0]!.content).toMatch(/Readability gave up \(stopped at the time limit \(5000 ms\)\)/);

    // And it ended within its limits (Readability's, then the fallback's) plus a second.
    const logs = readJsonl<{ msg?: string; tool?: string; ms?: number }>(path.join(worker, 'log.ndjson'));
    const call = logs.find((l) => l.msg === 'tool ok' && l.tool === 'fetch_url');
    expect(call?.ms).toBeDefined();
    expect(call!.ms!).toBeLessThan(2 * DEFAULT_HTML_TIMEOUT_MS + 1_000);
  }, 90_000);
});
