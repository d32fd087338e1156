/**
 * Tool modules and the library API. A definition names a local TypeScript module of tools
 * made with `defineTool`; the worker imports it by path (through tsx, from the sources or
 * from the compiled worker bundle) and the model gets exactly those tools. `runSession`
 * takes definitions and MCP servers as objects, the same things as the files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runSession } from '../../src/index.js';
import { REPO_ROOT, killStartedClis, onlySession, readJson, readJsonl, runCli, tempRuntime } from '../support/cli.js';
import { memoryServer } from '../support/mcp.js';

// Real processes and servers on a shared, loaded machine: generous limits, no timing asserts.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const AGENTS = path.join(REPO_ROOT, 'test/fixtures/agents');
const made: string[] = [];
afterEach(() => killStartedClis());
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
const temp = (prefix: string) => {
  const d = tempRuntime(prefix);
  made.push(d);
  return d;
};

type Line = { kind: string; tools?: string[]; message?: { role: string; content: unknown } };

describe('tool modules', () => {
  const compiled = path.join(REPO_ROOT, 'dist/worker/worker.mjs');
  for (const worker of ['tsx', 'compiled', 'snapshot'] as const) {
    it.runIf(worker === 'tsx' || fs.existsSync(worker === 'snapshot' ? path.join(REPO_ROOT, 'dist/worker/worker.blob') : compiled))(`loads a TypeScript tool module in the ${worker} worker`, async () => {
      const runtime = temp('mailroom-modules-rt-');
      const run = await runCli(['--offline', '--runtime-dir', runtime, '--agents', AGENTS, '--source', temp('mailroom-modules-src-'), 'Shout the harbour announcement'], {
        env: { MAILROOM_WORKER: worker, HOME: temp('mailroom-modules-home-') },
      });
      expect(run.code, run.stderr).toBe(0);
      const dir = onlySession(runtime);
      const lines = readJsonl<Line>(path.join(dir, 'agents', 'w01-crier', 'transcript.jsonl'));
      // Exactly the module's tools, less the disallowed one.
      expect(lines.find((l) => l.kind === 'system')!.tools).toEqual(['shout']);
      expect(JSON.stringify(lines)).toContain('SHOUTED by w01-crier: SHOUT THE HARBOUR ANNOUNCEMENT');
      expect(run.stdout).toContain('SHOUTED by w01-crier');
    });
  }
});

describe('runSession with agents and MCP servers as objects', () => {
  it('plans with the given agent and connects its worker to the given server', async () => {
    const source = temp('mailroom-api-src-');
    const runtimeDir = temp('mailroom-api-rt-');
    const graph = path.join(source, 'graph.jsonl');
    fs.writeFileSync(graph, JSON.stringify({ type: 'entity', name: 'Lighthouse', entityType: 'place', observations: ['MARKER-LIGHT: lit at dusk'] }) + '\n');
    const outcome = await runSession({
      task: 'Read the knowledge graph',
      provider: 'offline',
      sourceRoot: source,
      runtimeDir,
      homeDir: source,
      agents: [
        {
          name: 'archivist',
          description: 'Reads the knowledge graph kept in memory.',
          tools: ['mcp__memory__read_graph', 'mcp__memory__search_nodes'],
          maxTurns: 4,
          prompt: 'You look things up in the knowledge graph. PROMPT-ARCHIVIST',
        },
      ],
      mcpServers: { memory: memoryServer(graph) },
    });
    expect(outcome.status, outcome.reason).toBe('completed');
    expect(outcome.result).toContain('MARKER-LIGHT: lit at dusk');
    const catalogue = readJson<{ agents: Array<{ name: string; source: string }>; mcpServers: Record<string, unknown> }>(path.join(outcome.sessionDir, 'catalogue.json'));
    expect(catalogue.agents.find((a) => a.name === 'archivist')).toMatchObject({ source: 'api' });
    expect(Object.keys(catalogue.mcpServers)).toEqual(['memory']);
    const lines = readJsonl<Line & { content?: string }>(path.join(outcome.sessionDir, 'agents', 'w01-archivist', 'transcript.jsonl'));
    const sys = lines.find((l) => l.kind === 'system')!;
    expect(sys.tools).toEqual(['mcp__memory__read_graph', 'mcp__memory__search_nodes']);
    expect(sys.content).toContain('PROMPT-ARCHIVIST');
    expect(JSON.stringify(lines)).toMatch(/<untrusted-data-[0-9a-f]+ source=\\"mcp__memory__read_graph\\">/);
  });

  it('refuses a bad definition object before anything starts', async () => {
    const runtimeDir = temp('mailroom-api-rt-');
    await expect(runSession({ task: 'x', provider: 'offline', runtimeDir, sourceRoot: runtimeDir, agents: [{ name: 'ok', description: 'x', tools: ['nope'] }] })).rejects.toThrow(
      /^runSession agents\[0\]: tools\[0\]: unknown tool "nope"/,
    );
    expect(fs.existsSync(path.join(runtimeDir, 'sessions'))).toBe(false);
  });
});
