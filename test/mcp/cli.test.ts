/**
 * `mailroom mcp list` and `mailroom agents` with MCP servers: each configured server is
 * started, its tools listed under their mcp__ names, and stopped; a server that cannot
 * start is reported with its stderr (exit 1). Nothing is left running.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { killStartedClis, runCli, tempRuntime } from '../support/cli.js';
import { memoryServer, pidsIn, testServer, waitGone } from '../support/mcp.js';

// Real processes and servers on a shared, loaded machine: generous limits, no timing asserts.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const source = tempRuntime('mailroom-mcp-cli-');
afterEach(() => killStartedClis());
afterAll(() => fs.rmSync(source, { recursive: true, force: true }));

function config(servers: Record<string, unknown>): string {
  const file = path.join(source, `mcp-${Object.keys(servers).join('-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  return file;
}

it('mcp list starts each server, lists its tools and stops it', async () => {
  const pidFile = path.join(source, 'pids.txt');
  const file = config({ memory: memoryServer(path.join(source, 'graph.jsonl')), t: testServer({ MCP_PID_FILE: pidFile }) });
  const run = await runCli(['mcp', 'list', '--mcp-config', file, '--source', source], { env: { HOME: source } });
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^memory {2}\(stdio: .*server-memory.*\)$/m);
  expect(run.stdout).toMatch(/^ {2}mcp__memory__read_graph {2}Read the entire knowledge graph$/m);
  expect(run.stdout).toMatch(/^t {2}\(stdio: /m);
  expect(run.stdout).toMatch(/^ {2}mcp__t__echo {2}Echo the text back/m);
  expect(await waitGone(pidsIn(pidFile))).toEqual([]);
});

it('mcp list reports a server that does not start, with its stderr, and exits 1', async () => {
  const file = config({ broken: testServer({ MCP_FAIL_START: '1' }) });
  const run = await runCli(['mcp', 'list', '--json', '--mcp-config', file, '--source', source], { env: { HOME: source } });
  expect(run.code).toBe(1);
  const out = JSON.parse(run.stdout) as { servers: Array<{ server: string; error?: string }> };
  expect(out.servers[0]).toMatchObject({ server: 'broken', error: expect.stringMatching(/failed to start .*stderr: test-server: cannot open its database: permission denied/) });
});

it('agents resolves an agent\'s MCP tools by starting its servers', async () => {
  const file = config({ t: testServer() });
  const agents = path.join(source, 'agents');
  fs.mkdirSync(agents, { recursive: true });
  fs.writeFileSync(path.join(agents, 'echoer.md'), '---\nname: echoer\ndescription: Echoes.\ntools: [mcp__t, read_file]\ndisallowedTools: [mcp__t__crash]\n---\nEcho.\n');
  const run = await runCli(['agents', '--json', '--agents', agents, '--mcp-config', file, '--source', source], { env: { HOME: source } });
  expect(run.code, run.stderr).toBe(0);
  const out = JSON.parse(run.stdout) as { agents: Array<{ name: string; tools: string[]; mcpServers: string[] }> };
  expect(out.agents.find((a) => a.name === 'echoer')).toMatchObject({ tools: ['mcp__t__echo', 'mcp__t__hang', 'read_file'], mcpServers: ['t'] });
});
