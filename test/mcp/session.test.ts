/**
 * MCP servers in whole sessions, as a user runs them: the real CLI, real worker processes,
 * the real SDK against the fake Messages API, and real MCP servers from npm. Each worker
 * offers exactly its agent's tools, reaches its own servers only, gets their results
 * wrapped, and leaves no server process behind, even when the termination ladder ends it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nanoid } from 'nanoid';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeAnthropicServer, type RecordedRequest } from '../support/fake-anthropic/index.js';
import { blocksReply, fakeEnv, isPlanning, routeSession, textReply, toolNames } from '../anthropic/helpers.js';
import { killStartedClis, onlySession, readJsonl, runCli, startCli, tempRuntime } from '../support/cli.js';
import { listTaggedProcesses } from '../support/processes.js';
import { filesystemServer, memoryServer, pidsIn, testServer, waitGone } from '../support/mcp.js';
import { waitFor } from '../support/script.js';

// Real processes and servers on a shared, loaded machine: generous limits, no timing asserts.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const KEEPER_TOOLS = ['mcp__fs__read_text_file', 'mcp__fs__list_directory', 'store_artifact'];

function agentFile(dir: string, name: string, front: string, body = `You are the ${name} agent.`): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.md`), `---\n${front.trim()}\n---\n${body}\n`);
}

/** Processes started with this session's own tag still alive, after a bounded wait. */
async function taggedLeft(tag: string): Promise<string[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const left = listTaggedProcesses(tag, `MAILROOM_MCP_TEST_TAG=${tag}`).map((p) => `${p.pid} ${p.cmd}`);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function planOf(subtasks: Array<{ id: string; role: string; description: string; dependsOn?: string[] }>, failurePolicy: unknown = 'all') {
  return { type: 'message' as const, content: [{ type: 'tool_use' as const, id: 'toolu_plan_1', name: 'plan_subtasks', input: { subtasks, failurePolicy } }] };
}

describe('MCP tools in a session (fake Messages API, real MCP servers)', () => {
  let server: FakeAnthropicServer;
  let root: string;
  const runtimes: string[] = [];

  beforeAll(async () => {
    server = await FakeAnthropicServer.start();
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-mcp-session-')));
  });
  afterEach(() => killStartedClis());
  afterAll(async () => {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
    for (const r of runtimes) fs.rmSync(r, { recursive: true, force: true });
  });

  /** A source folder with its own .mailroom/mcp.json and agents. */
  function project(name: string, servers: Record<string, unknown>): { source: string; agents: string } {
    const source = path.join(root, name);
    fs.mkdirSync(path.join(source, '.mailroom', 'agents'), { recursive: true });
    fs.writeFileSync(path.join(source, '.mailroom', 'mcp.json'), JSON.stringify({ mcpServers: servers }, null, 2));
    return { source, agents: path.join(source, '.mailroom', 'agents') };
  }

  it("offers each worker exactly its agent's tools, MCP included, and reaches the real servers", async () => {
    const scoped = path.join(root, 'scoped');
    fs.mkdirSync(scoped, { recursive: true });
    fs.writeFileSync(path.join(scoped, 'notes.md'), 'MARKER-7781: the harbour closes at dusk.\n');
    const p = project('two-agents', { fs: filesystemServer(scoped), memory: memoryServer(path.join(root, 'memory.jsonl')) });
    agentFile(p.agents, 'keeper', `name: keeper\ndescription: Reads notes through the filesystem server.\ntools: [${KEEPER_TOOLS.join(', ')}]\nmcpServers: [fs]`);
    agentFile(p.agents, 'scribe', 'name: scribe\ndescription: Remembers facts in the knowledge graph.\ntools: [mcp__memory__create_entities, mcp__memory__read_graph]');
    const tag = nanoid(8);
    server.reset();
    routeSession(server, {
      plan: [
        planOf([
          { id: 'read-notes', role: 'keeper', description: 'Read notes.md' },
          { id: 'remember', role: 'scribe', description: 'Remember what the notes say', dependsOn: ['read-notes'] },
        ]),
      ],
      synthesis: [textReply('FINAL: the harbour closes at dusk.')],
      workers: {
        'w01-keeper': [blocksReply([{ type: 'tool_use', id: 'toolu_read', name: 'mcp__fs__read_text_file', input: { path: path.join(scoped, 'notes.md') } }]), textReply('KEEPER: the harbour closes at dusk (notes.md).')],
        'w02-scribe': [
          blocksReply([{ type: 'tool_use', id: 'toolu_mem', name: 'mcp__memory__create_entities', input: { entities: [{ name: 'Harbour', entityType: 'place', observations: ['closes at dusk'] }] } }]),
          textReply('SCRIBE: remembered.'),
        ],
      },
    });
    const runtime = tempRuntime('mailroom-mcp-rt-');
    runtimes.push(runtime);
    const run = await runCli(['--runtime-dir', runtime, '--source', p.source, '--no-live', 'Read the notes and remember them'], { env: fakeEnv(server, { MAILROOM_MCP_TEST_TAG: tag }) });
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(runtime);

    // The planner was offered the project's agents, by name and description.
    const planning = server.requests.find((r) => r.agent === 'coordinator' && isPlanning(r))!;
    expect(JSON.stringify(planning.body.system)).toContain('<agent name=\\"keeper\\" source=\\"project\\">Reads notes through the filesystem server.</agent>');
    const roleEnum = planning.body.tools[0].input_schema.properties.subtasks.items.properties.role.enum as string[];
    expect(roleEnum).toEqual(expect.arrayContaining(['keeper', 'scribe', 'research', 'writing']));

    const keeper = server.requests.filter((r: RecordedRequest) => r.agent === 'w01-keeper');
    const scribe = server.requests.filter((r: RecordedRequest) => r.agent === 'w02-scribe');
    expect(keeper).toHaveLength(2);
    expect(scribe).toHaveLength(2);
    for (const r of keeper) expect(toolNames(r)).toEqual(KEEPER_TOOLS);
    for (const r of scribe) expect(toolNames(r)).toEqual(['mcp__memory__create_entities', 'mcp__memory__read_graph']);
    // The second agent sees nothing of the first one's server.
    for (const r of scribe) expect(JSON.stringify(r.body.tools)).not.toContain('mcp__fs');
    // Schemas as the server gave them.
    const readDef = (keeper[0]!.body.tools as Array<{ name: string; input_schema: { required?: string[] } }>).find((t) => t.name === 'mcp__fs__read_text_file')!;
    expect(readDef.input_schema.required).toEqual(['path']);

    // The call reached the real server; its result came back wrapped, into the transcript too.
    const result = keeper[1]!.body.messages.at(-1).content[0];
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_read' });
    expect(result.content).toMatch(/^<untrusted-data-[0-9a-f]+ source="mcp__fs__read_text_file">\nMARKER-7781: the harbour closes at dusk\./);
    const transcript = readJsonl<{ kind: string; message?: { content: unknown } }>(path.join(dir, 'agents', 'w01-keeper', 'transcript.jsonl'));
    expect(JSON.stringify(transcript)).toMatch(/<untrusted-data-[0-9a-f]+ source=\\"mcp__fs__read_text_file\\">\\nMARKER-7781/);
    expect(fs.readFileSync(path.join(root, 'memory.jsonl'), 'utf8')).toContain('closes at dusk');

    // agent.json records the agent's tools; the session keeps its catalogue.
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'agents', 'w01-keeper', 'agent.json'), 'utf8')).tools).toEqual(KEEPER_TOOLS);
    const catalogue = JSON.parse(fs.readFileSync(path.join(dir, 'catalogue.json'), 'utf8'));
    expect(catalogue.agents.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['keeper', 'scribe', 'research']));
    // No MCP server (nor anything else this session started) outlives it.
    expect(await taggedLeft(tag)).toEqual([]);
  });

  it('a hung MCP call ends at its timeout and a crashing server is a tool error; the worker carries on', async () => {
    const pidFile = path.join(root, 'waiter-pids.txt');
    const p = project('hang-crash', { t: { ...testServer({ MCP_PID_FILE: pidFile }), timeout: 1500 } });
    agentFile(p.agents, 'waiter', 'name: waiter\ndescription: Calls a server that misbehaves.\ntools: [mcp__t]');
    server.reset();
    routeSession(server, {
      plan: [planOf([{ id: 'wait', role: 'waiter', description: 'Call the tools' }])],
      synthesis: [textReply('FINAL: done despite the server.')],
      workers: {
        'w01-waiter': [
          blocksReply([{ type: 'tool_use', id: 'toolu_hang', name: 'mcp__t__hang', input: {} }]),
          blocksReply([{ type: 'tool_use', id: 'toolu_crash', name: 'mcp__t__crash', input: {} }]),
          blocksReply([{ type: 'tool_use', id: 'toolu_echo', name: 'mcp__t__echo', input: { text: 'anyone?' } }]),
          textReply('WAITER: the server hung, then crashed.'),
        ],
      },
    });
    const runtime = tempRuntime('mailroom-mcp-rt-');
    runtimes.push(runtime);
    const run = await runCli(['--runtime-dir', runtime, '--source', p.source, '--no-live', 'Call the tools'], { env: fakeEnv(server) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('FINAL: done despite the server.');
    const reqs = server.requests.filter((r) => r.agent === 'w01-waiter');
    expect(reqs).toHaveLength(4);
    const resultOf = (i: number) => reqs[i]!.body.messages.at(-1).content[0];
    expect(resultOf(1)).toMatchObject({ tool_use_id: 'toolu_hang', is_error: true });
    expect(resultOf(1).content).toMatch(/no answer within 1500 ms/);
    expect(resultOf(2)).toMatchObject({ tool_use_id: 'toolu_crash', is_error: true });
    expect(resultOf(3)).toMatchObject({ tool_use_id: 'toolu_echo', is_error: true });
    expect(resultOf(3).content).toMatch(/the server closed the connection; its stderr ends with: .*crashing on purpose/);
    expect(await waitGone(pidsIn(pidFile))).toEqual([]);
  });

  it('fails the worker with a reason naming the server and its stderr when the server does not start', async () => {
    const p = project('broken', { broken: testServer({ MCP_FAIL_START: '1' }) });
    agentFile(p.agents, 'fragile', 'name: fragile\ndescription: Needs a broken server.\ntools: [mcp__broken__echo]');
    server.reset();
    routeSession(server, { plan: [planOf([{ id: 'try', role: 'fragile', description: 'Try' }])], synthesis: [], workers: {} });
    const runtime = tempRuntime('mailroom-mcp-rt-');
    runtimes.push(runtime);
    const run = await runCli(['--runtime-dir', runtime, '--source', p.source, '--no-live', '--attempts', '1', 'Try it'], { env: fakeEnv(server) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/MCP server "broken": failed to start .*stderr: test-server: cannot open its database: permission denied/);
    // The worker never called the model: it failed before its first turn.
    expect(server.requests.filter((r) => r.agent === 'w01-fragile')).toHaveLength(0);
  });

  it('the termination ladder ends a stdio server together with its worker', async () => {
    const pidFile = path.join(root, 'ladder-pids.txt');
    const p = project('ladder', { t: { ...testServer({ MCP_PID_FILE: pidFile }), timeout: 120_000 } });
    agentFile(p.agents, 'stuck', 'name: stuck\ndescription: Waits forever on a server.\ntools: [mcp__t__hang]');
    server.reset();
    routeSession(server, {
      plan: [planOf([{ id: 'hang', role: 'stuck', description: 'Wait' }], 'best-effort')],
      synthesis: [],
      workers: { 'w01-stuck': [blocksReply([{ type: 'tool_use', id: 'toolu_hang', name: 'mcp__t__hang', input: {} }])] },
    });
    const runtime = tempRuntime('mailroom-mcp-rt-');
    runtimes.push(runtime);
    // The worker ignores the polite steps, so only the process-group signals can end it.
    const cli = startCli(['--runtime-dir', runtime, '--source', p.source, '--no-live', '--attempts', '1', '--shutdown-grace-ms', '500', '--term-grace-ms', '1000', 'Wait'], {
      env: fakeEnv(server, { MAILROOM_WORKER_FAULTS: 'ignore-shutdown,ignore-sigterm' }),
    });
    await waitFor(() => server.requests.some((r) => r.agent === 'w01-stuck') && pidsIn(pidFile).length > 0, 90_000, 'the worker calling the hung tool');
    const serverPid = pidsIn(pidFile)[0]!;
    const kill = await runCli(['kill', 'latest', 'w01-stuck', '--runtime-dir', runtime]);
    expect(kill.code, kill.stderr).toBe(0);
    await cli.done;
    expect(await waitGone([serverPid])).toEqual([]);
    // The worker ignored the shutdown message: the SIGTERM to its process group reached the server.
    const journal = readJsonl<{ type: string; step?: string }>(path.join(onlySession(runtime), 'journal.jsonl'));
    expect(journal.filter((e) => e.type === 'terminate').map((e) => e.step)).toEqual(expect.arrayContaining(['shutdown', 'SIGTERM']));
  });
});
