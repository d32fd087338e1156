/**
 * A whole session with the `anthropic` provider, as a user runs it: the real CLI, real
 * worker processes, and the real SDK over HTTP to the fake Messages API. The recorded
 * requests prove context isolation, per-role models, prompt caching and the stop-reason
 * handling; usage.json must add up to what the server reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolsForAgent } from '../../src/agents/builtin.js';

const names = (agent: string) => toolsForAgent(agent).map((t) => t.name);
const ROLE_TOOL_NAMES = { research: names('research'), writing: names('writing'), analysis: names('analysis'), review: names('review') };
import { SAMPLE_PROJECT, killStartedClis, onlySession, readJson, readJsonl, runCli, tempRuntime } from '../support/cli.js';
import { FakeAnthropicServer, type RecordedRequest } from '../support/fake-anthropic/index.js';
import { blocksReply, bodyText, fakeEnv, isPlanning, planReply, routeSession, textReply, toolNames, usageTotal, workersLeft } from './helpers.js';

const COORD_MODEL = 'claude-coord-test';
const WORKER_MODEL = 'claude-worker-test';
const ROUTER_MODEL = 'claude-router-test';

// Unique markers, so "carries X" and "does not carry X" are plain substring checks.
const RESEARCH_TASK = 'TASK-ALPHA: find how the sample project handles errors';
const WRITING_TASK = 'TASK-BETA: draft a one-line style note about logging';
const RESEARCH_OUTPUT = 'OUTPUT-ALPHA: errors are classes in src/errors.ts';
const WRITING_PART_1 = 'OUTPUT-BETA part one, ';
const WRITING_PART_2 = 'part two.';
const FINAL = 'FINAL-ANSWER: errors live in src/errors.ts (w01-research); style note from w02-writing.';

const SEARCH_RESULT = {
  type: 'web_search_tool_result',
  tool_use_id: 'srvtoolu_1',
  content: [{ type: 'web_search_result', url: 'https://example.com/errors', title: 'Errors', encrypted_content: 'enc-1', page_age: null }],
};

type Line = { kind: string; message?: { role: string; content: unknown }; stop_reason?: string };

describe('a full session on the anthropic provider (fake Messages API)', () => {
  const runtime = tempRuntime('mailroom-anthropic-');
  let server: FakeAnthropicServer;
  let run: Awaited<ReturnType<typeof runCli>>;
  let dir: string;
  let coord: RecordedRequest[];
  let research: RecordedRequest[];
  let writing: RecordedRequest[];

  beforeAll(async () => {
    server = await FakeAnthropicServer.start();
    routeSession(server, {
      plan: [
        planReply(
          [
            { id: 'find-errors', role: 'research', description: RESEARCH_TASK },
            { id: 'style-note', role: 'writing', description: WRITING_TASK },
          ],
          'all',
          { cache_creation_input_tokens: 1500 },
        ),
      ],
      synthesis: [textReply(FINAL, { usage: { cache_read_input_tokens: 1500, cache_creation_input_tokens: 120 } })],
      workers: {
        'w01-research': [
          // A server tool ran long: the API pauses the turn, and the loop sends it back to continue.
          blocksReply([{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'error handling' } }, SEARCH_RESULT], {
            stop_reason: 'pause_turn',
            usage: { cache_creation_input_tokens: 800 },
          }),
          blocksReply(
            [
              { type: 'text', text: 'Now the local sources.' },
              { type: 'tool_use', id: 'toolu_search_1', name: 'search_files', input: { query: 'error class' } },
            ],
            { usage: { cache_read_input_tokens: 800 } },
          ),
          textReply(RESEARCH_OUTPUT, { usage: { cache_read_input_tokens: 900, cache_creation_input_tokens: 60 } }),
        ],
        'w02-writing': [textReply(WRITING_PART_1, { stop_reason: 'max_tokens' }), textReply(WRITING_PART_2)],
      },
    });
    run = await runCli(
      [
        '--runtime-dir', runtime,
        '--source', SAMPLE_PROJECT,
        '--model', COORD_MODEL,
        '--worker-model', WORKER_MODEL,
        '--router-model', ROUTER_MODEL,
        'Find how errors are handled and write a style note',
      ],
      { env: fakeEnv(server) },
    );
    dir = onlySession(runtime);
    coord = server.requestsFor('coordinator');
    research = server.requestsFor('w01-research');
    writing = server.requestsFor('w02-writing');
  }, 120_000);

  afterAll(async () => {
    killStartedClis();
    await server?.close();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('completes: the synthesis is the answer, and every request streamed through the real SDK', async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(FINAL);
    expect(fs.readFileSync(path.join(dir, 'result.md'), 'utf8').trim()).toBe(FINAL);
    expect(readJson(path.join(dir, 'session.json'))).toMatchObject({ status: 'completed', provider: 'anthropic' });
    expect(server.requests.map((r) => r.reply).every((r) => r === 'message'), JSON.stringify(server.requests.map((r) => [r.agent, r.reply]))).toBe(true);
    expect(coord).toHaveLength(2);
    expect(research).toHaveLength(3);
    expect(writing).toHaveLength(2);
    for (const r of server.requests) {
      expect(r.stream).toBe(true);
      expect(r.path).toBe('/v1/messages');
      expect(r.apiKey).toBe('test');
      expect(String(r.headers['user-agent'])).toMatch(/^Anthropic\/JS/);
    }
    expect(await workersLeft(dir)).toEqual([]);
  });

  it('gives the coordinator coordination tools only, and plans with a forced plan_subtasks', () => {
    const [plan, synth] = coord;
    expect(isPlanning(plan!)).toBe(true);
    expect(toolNames(plan!)).toEqual(['plan_subtasks', 'spawn_worker', 'send_message', 'terminate_worker']);
    // The synthesis needs no tools at all.
    expect(synth!.body.tools).toBeUndefined();
    const domain = [...new Set(Object.values(ROLE_TOOL_NAMES).flat()), 'web_search', 'web_fetch'];
    for (const r of coord) for (const name of domain) expect(toolNames(r)).not.toContain(name);
  });

  it("gives each worker only its role's tools (research also Anthropic's server tools), and nothing of the other worker", () => {
    for (const r of research) {
      expect(toolNames(r)).toEqual([...ROLE_TOOL_NAMES.research, 'web_search', 'web_fetch']);
      expect(r.role).toBe('research');
    }
    for (const r of writing) {
      expect(toolNames(r)).toEqual(ROLE_TOOL_NAMES.writing);
      expect(r.role).toBe('writing');
    }
    const researchText = research.map(bodyText).join('\n');
    const writingText = writing.map(bodyText).join('\n');
    expect(researchText).toContain('TASK-ALPHA');
    expect(writingText).toContain('TASK-BETA');
    for (const forbidden of ['TASK-BETA', 'OUTPUT-BETA', 'w02-writing', 'plan_subtasks', 'FINAL-ANSWER']) expect(researchText).not.toContain(forbidden);
    for (const forbidden of ['TASK-ALPHA', 'OUTPUT-ALPHA', 'w01-research', 'plan_subtasks', 'FINAL-ANSWER']) expect(writingText).not.toContain(forbidden);
    // Each worker starts fresh: its system prompt and one task message, nothing else.
    for (const first of [research[0]!, writing[0]!]) {
      expect(first.body.messages).toHaveLength(1);
      expect(first.body.messages[0].role).toBe('user');
    }
  });

  it("hands the synthesis every worker's output (the writer's joined across its max_tokens continuation)", () => {
    const synth = bodyText(coord[1]!);
    expect(synth).toContain(RESEARCH_OUTPUT);
    expect(synth).toContain(WRITING_PART_1 + WRITING_PART_2);
  });

  it('uses the model of each role: --model for the coordinator, --worker-model for workers', () => {
    for (const r of coord) expect(r.body.model).toBe(COORD_MODEL);
    for (const r of [...research, ...writing]) expect(r.body.model).toBe(WORKER_MODEL);
    const session = readJson<{ models: Record<string, string> }>(path.join(dir, 'session.json'));
    expect(session.models).toEqual({ coordinator: COORD_MODEL, worker: WORKER_MODEL, router: ROUTER_MODEL });
    expect(readJson<{ model: string }>(path.join(dir, 'agents', 'w01-research', 'agent.json')).model).toBe(WORKER_MODEL);
  });

  it('marks the system prompt and the last tool for prompt caching on every request', () => {
    for (const r of server.requests) {
      expect(r.body.system.at(-1).cache_control, `${r.agent}`).toEqual({ type: 'ephemeral' });
      const tools = r.body.tools as Array<{ cache_control?: unknown }> | undefined;
      if (!tools) continue;
      expect(tools.at(-1)!.cache_control).toEqual({ type: 'ephemeral' });
      expect(tools.slice(0, -1).every((t) => t.cache_control === undefined)).toBe(true);
    }
  });

  it('continues after pause_turn by sending the paused turn back, server-tool blocks verbatim', () => {
    const second = research[1]!.body.messages as Array<{ role: string; content: unknown }>;
    expect(second).toHaveLength(2);
    expect(second[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'error handling' } }, SEARCH_RESULT],
    });
    // The transcript keeps them too, with the stop reason.
    const lines = readJsonl<Line>(path.join(dir, 'agents', 'w01-research', 'transcript.jsonl'));
    const paused = lines.find((l) => l.kind === 'message' && l.stop_reason === 'pause_turn')!;
    expect(paused.message!.content).toEqual(second[1]!.content);
  });

  it('ran the real search_files tool and sent its result back as a tool_result', () => {
    const third = research[2]!.body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    const last = third.at(-1)!;
    expect(last.role).toBe('user');
    expect(last.content).toHaveLength(1);
    expect(last.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_search_1' });
    expect(last.content[0]!.is_error).toBeUndefined();
    expect(JSON.stringify(last.content[0]!.content)).toContain('errors.ts');
  });

  it('continues after max_tokens with the partial answer and a request to go on', () => {
    const second = writing[1]!.body.messages as Array<{ role: string; content: unknown }>;
    expect(second).toHaveLength(3);
    expect(second[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: WRITING_PART_1 }] });
    expect(second[2]!.role).toBe('user');
    expect(JSON.stringify(second[2]!.content)).toMatch(/Continue/);
  });

  it('writes usage.json whose totals equal what the server reported, cache tokens included', () => {
    const reported = server.reportedUsage();
    expect(reported.cache_read_input_tokens).toBeGreaterThan(0);
    expect(reported.cache_creation_input_tokens).toBeGreaterThan(0);
    const total = usageTotal(dir);
    expect({ ...total, calls: undefined }).toEqual({ ...reported, calls: undefined });
    expect(total.calls).toBe(server.requests.length);
    // Per agent, too.
    const agents = readJson<{ agents: Record<string, { calls: number; model: string }> }>(path.join(dir, 'usage.json')).agents;
    expect(agents['coordinator']).toMatchObject({ calls: 2, model: COORD_MODEL });
    expect(agents['w01-research']).toMatchObject({ calls: 3, model: WORKER_MODEL });
    expect(agents['w02-writing']).toMatchObject({ calls: 2, model: WORKER_MODEL });
  });
});
