/**
 * End to end (issue 13, done-when): real worker processes fed hostile inputs. A research
 * worker fetches a page of 2,000 nested divs (minutes of Readability on the main thread
 * before the fix) from a server on 127.0.0.1; at the same time a writing worker formats
 * 32 KB of `[` (prettier stalled for 16 s) and an analysis worker allocates 800 MB of typed
 * arrays under the 32 MiB sandbox limit. Every heartbeat stays fresh throughout, no worker
 * is restarted, and each call ends within its limit plus a second. (The workers run from
 * dist/worker when that build is fresh, as in CI, else through tsx: thread scripts must
 * resolve in both.)
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_LIMITS } from '../../src/tools/analysis/sandbox.js';
import { DEFAULT_HTML_TIMEOUT_MS } from '../../src/tools/extract.js';
import { DEFAULT_FORMAT_TIMEOUT_MS } from '../../src/tools/writing/format.js';
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
  it('keeps every heartbeat fresh and ends each call within its limits', async () => {
    const url = `http://127.0.0.1:${port}/deep`;
    const script = writeScript(runtime, {
      agents: {
        coordinator: [
          planReply({
            subtasks: [
              { id: 'read', role: 'research', description: 'Read the page' },
              { id: 'fmt', role: 'writing', description: 'Format a document' },
              { id: 'calc', role: 'analysis', description: 'Compute something' },
            ],
            failurePolicy: 'all',
          }),
          textReply('DONE'),
        ],
        'w01-research': [toolReply('fetch_url', { url }), textReply('read it')],
        'w02-writing': [toolReply('format_document', { content: '['.repeat(32 * 1024) }), textReply('could not format')],
        'w03-analysis': [
          toolReply('run_javascript', { code: 'const keep = []; for (let i = 0; i < 100; i++) keep.push(new Uint8Array(8 * 1024 * 1024)); keep.length' }),
          textReply('out of memory'),
        ],
      },
    });
    const heartbeatMs = 250;
    const run = startCli([
      '--runtime-dir', runtime, '--script', script, '--no-live',
      '--heartbeat-ms', String(heartbeatMs), '--heartbeat-misses', '12',
      '--fetch-allow', `127.0.0.1:${port}`, 'hostile inputs',
    ]);
    // Sample each running worker's heartbeat age while the session runs: none may go stale.
    const stalest: Record<string, number> = {};
    const samples: Record<string, number> = {};
    const sampler = setInterval(() => {
      const sessions = path.join(runtime, 'sessions');
      const id = fs.existsSync(sessions) ? fs.readdirSync(sessions)[0] : undefined;
      if (!id || !fs.existsSync(path.join(sessions, id, 'agents'))) return;
      for (const agent of fs.readdirSync(path.join(sessions, id, 'agents')).filter((a) => a.startsWith('w'))) {
        const dir = path.join(sessions, id, 'agents', agent);
        try {
          if (readJson<{ status?: string }>(path.join(dir, 'agent.json')).status !== 'running') continue;
          const age = Date.now() - fs.statSync(path.join(dir, 'heartbeat')).mtimeMs;
          samples[agent] = (samples[agent] ?? 0) + 1;
          stalest[agent] = Math.max(stalest[agent] ?? 0, age);
        } catch {
          // not written yet
        }
      }
    }, 50);
    const done = await run.done;
    clearInterval(sampler);
    expect(done.code, done.stderr).toBe(0);

    const dir = path.join(runtime, 'sessions', fs.readdirSync(path.join(runtime, 'sessions'))[0]!);
    const toolResults = (agent: string) =>
      readJsonl<{ kind: string; message?: { role: string; content: unknown } }>(path.join(dir, 'agents', agent, 'transcript.jsonl'))
        .filter((l) => l.kind === 'message' && l.message!.role === 'user' && Array.isArray(l.message!.content))
        .flatMap((l) => l.message!.content as Array<{ type: string; content: string; is_error?: boolean }>)
        .filter((b) => b.type === 'tool_result');
    const callMs = (agent: string, tool: string) =>
      readJsonl<{ msg?: string; tool?: string; ms?: number }>(path.join(dir, 'agents', agent, 'log.ndjson')).find(
        (l) => (l.msg === 'tool ok' || l.msg === 'tool error') && l.tool === tool,
      )?.ms;

    for (const agent of ['w01-research', 'w02-writing', 'w03-analysis']) {
      // One attempt each: no worker was declared dead and retried.
      expect(readJson<{ attempt: number }>(path.join(dir, 'agents', agent, 'agent.json')).attempt, agent).toBe(1);
      // Watched while its call ran; never older than a second of blocking plus one interval
      // (with slack for a loaded machine). Before the fix they went stale for seconds to minutes.
      expect(samples[agent] ?? 0, agent).toBeGreaterThan(3);
      expect(stalest[agent], agent).toBeLessThan(1_000 + heartbeatMs + 750);
    }

    // The page's text came back, through the cheaper extraction, within both steps' limits.
    const [page] = toolResults('w01-research');
    expect(page!.is_error ?? false).toBe(false);
    expect(page!.content).toContain('Sea otters float on their backs');
    expect(page!.content).toMatch(/Readability gave up \(stopped at the time limit \(5000 ms\)\)/);
    expect(callMs('w01-research', 'fetch_url')).toBeLessThan(2 * DEFAULT_HTML_TIMEOUT_MS + 1_000);

    // prettier was stopped at its limit.
    const [fmt] = toolResults('w02-writing');
    expect(fmt!.is_error).toBe(true);
    expect(fmt!.content).toMatch(/format_document gave up: stopped at the time limit/);
    expect(callMs('w02-writing', 'format_document')).toBeLessThan(DEFAULT_FORMAT_TIMEOUT_MS + 1_000);

    // The typed arrays hit the sandbox's memory limit.
    const [js] = toolResults('w03-analysis');
    expect(js!.is_error).toBe(true);
    expect(js!.content).toMatch(/run_javascript stopped at the memory limit \(32 MiB\)/);
    expect(callMs('w03-analysis', 'run_javascript')).toBeLessThan(DEFAULT_SANDBOX_LIMITS.timeoutMs + 1_000 + 1_000);
  }, 120_000);
});
