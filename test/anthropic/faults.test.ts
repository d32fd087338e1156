/**
 * Faults and failing stop reasons in whole sessions: the real CLI and worker processes,
 * the real SDK, and the fake Messages API injecting what production throws at us.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODELS } from '../../src/model/defaults.js';
import { toolsForAgent } from '../../src/agents/builtin.js';
import { SAMPLE_PROJECT, killStartedClis, onlySession, readJson, readJsonl, runCli, tempRuntime } from '../support/cli.js';
import { FakeAnthropicServer, type RecordedRequest } from '../support/fake-anthropic/index.js';
import { blocksReply, fakeEnv, planReply, routeSession, textReply, toolNames, usageTotal, workersLeft, isConsultation } from './helpers.js';

type Run = Awaited<ReturnType<typeof runCli>>;

describe('transient faults are retried and the session completes', () => {
  const runtime = tempRuntime('mailroom-anthropic-faults-');
  const FINAL_1 = 'FINAL-GAMMA: the answer survived ';
  const FINAL_2 = 'every fault.';
  const OUTPUT = 'OUTPUT-GAMMA: errors.ts defines the error classes.';
  const RAW = '{"query": "error classes", ';
  let server: FakeAnthropicServer;
  let run: Run;
  let dir: string;
  let plan: RecordedRequest[];
  let worker: RecordedRequest[];
  let synth: RecordedRequest[];

  beforeAll(async () => {
    server = await FakeAnthropicServer.start();
    routeSession(server, {
      // Overloaded, then rate limited, then the plan: the SDK's own retries.
      plan: [
        { type: 'error', status: 529, retryAfterSeconds: 0.01 },
        { type: 'error', status: 429, retryAfterSeconds: 0.01, message: 'Number of requests has exceeded your rate limit' },
        planReply([{ id: 'find-errors', role: 'research', description: 'TASK-GAMMA: find the error classes' }], 'all'),
      ],
      workers: {
        'w01-research': [
          // An `error` event after the stream began, then a connection cut mid-stream: our retries.
          { type: 'stream-error', afterEvents: 4, content: [{ type: 'text', text: 'a partial answer that is thrown away' }] },
          { type: 'message', content: [{ type: 'text', text: 'this stream is cut off part way through its text' }], dropAfterEvents: 4 },
          // A tool call whose input is not JSON: the worker answers it with a tool error.
          { type: 'malformed-tool-input', name: 'search_files', id: 'toolu_bad', raw: RAW, text: 'Searching.' },
          textReply(OUTPUT),
        ],
      },
      // A mid-stream overload, then an answer long enough to hit max_tokens once.
      synthesis: [{ type: 'stream-error' }, textReply(FINAL_1, { stop_reason: 'max_tokens' }), textReply(FINAL_2)],
    });
    run = await runCli(['--runtime-dir', runtime, '--source', SAMPLE_PROJECT, '--no-server-tools', 'Find the error classes'], {
      env: fakeEnv(server, { MAILROOM_MODEL: 'claude-env-coord', MAILROOM_WORKER_MODEL: 'claude-env-worker', MAILROOM_MAX_RETRIES: '3' }),
    });
    dir = onlySession(runtime);
    plan = server.requestsFor('coordinator').filter((r) => r.body?.tool_choice);
    synth = server.requestsFor('coordinator').filter((r) => !r.body?.tool_choice);
    worker = server.requestsFor('w01-research');
  }, 120_000);

  afterAll(async () => {
    killStartedClis();
    await server?.close();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('completes with the synthesized answer', async () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(FINAL_1 + FINAL_2);
    expect(readJson(path.join(dir, 'session.json'))).toMatchObject({ status: 'completed' });
    expect(await workersLeft(dir)).toEqual([]);
  });

  it('529 then 429 then success: retried by the SDK, one planning call from our side', () => {
    expect(plan.map((r) => r.reply)).toEqual(['error', 'error', 'message']);
    expect(plan.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1', '2']);
    // The same request each time.
    expect(new Set(plan.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });

  it('a mid-stream error event and a mid-stream connection drop are retried', () => {
    expect(worker.map((r) => r.reply)).toEqual(['stream-error', 'message', 'malformed-tool-input', 'message']);
    // The retries resend the very same conversation.
    expect(JSON.stringify(worker[1]!.body)).toBe(JSON.stringify(worker[0]!.body));
    expect(JSON.stringify(worker[2]!.body)).toBe(JSON.stringify(worker[0]!.body));
    expect(synth.map((r) => r.reply)).toEqual(['stream-error', 'message', 'message']);
  });

  it('answers malformed tool input with a tool error the model sees, and keeps the raw input in the transcript', () => {
    const messages = worker[3]!.body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    expect(messages[1]!.content).toContainEqual({ type: 'tool_use', id: 'toolu_bad', name: 'search_files', input: {} });
    const result = messages[2]!.content[0]!;
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_bad', is_error: true });
    expect(JSON.stringify(result.content)).toMatch(/invalid input for tool search_files/);
    const lines = readJsonl<{ kind: string; message?: { content: unknown } }>(path.join(dir, 'agents', 'w01-research', 'transcript.jsonl'));
    expect(JSON.stringify(lines)).toContain(JSON.stringify(RAW));
  });

  it('takes the models from MAILROOM_MODEL and MAILROOM_WORKER_MODEL, and --no-server-tools drops web_search/web_fetch', () => {
    for (const r of [...plan, ...synth]) expect(r.body.model).toBe('claude-env-coord');
    for (const r of worker) {
      expect(r.body.model).toBe('claude-env-worker');
      expect(toolNames(r)).toEqual(toolsForAgent('research').map((t) => t.name));
    }
  });

  it('continues a synthesis that hit max_tokens', () => {
    const messages = synth[2]!.body.messages as Array<{ role: string; content: unknown }>;
    expect(messages).toHaveLength(3);
    expect(messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: FINAL_1 }] });
    expect(JSON.stringify(messages[2]!.content)).toMatch(/Continue/);
  });

  it('counts only the replies that completed, exactly as the server reported them', () => {
    const total = usageTotal(dir);
    expect({ ...total, calls: undefined }).toEqual({ ...server.reportedUsage(), calls: undefined });
    const worker = readJson<{ agents: Record<string, { calls: number }> }>(path.join(dir, 'usage.json')).agents['w01-research'];
    expect(worker!.calls).toBe(2); // the retried streams are not calls that returned
  });
});

describe('a rejected key fails at once', () => {
  const runtime = tempRuntime('mailroom-anthropic-401-');
  let server: FakeAnthropicServer;
  let run: Run;

  beforeAll(async () => {
    server = await FakeAnthropicServer.start({ requireApiKey: 'the-right-key' });
    run = await runCli(['--runtime-dir', runtime, 'Find the error classes'], { env: fakeEnv(server, { ANTHROPIC_API_KEY: 'a-wrong-key' }) });
  }, 60_000);

  afterAll(async () => {
    killStartedClis();
    await server?.close();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('exits 1 after a single request, naming ANTHROPIC_API_KEY, with no worker started', () => {
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/ANTHROPIC_API_KEY/);
    expect(run.stderr).toMatch(/401/);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.apiKey).toBe('a-wrong-key');
    const dir = onlySession(runtime);
    expect(readJson(path.join(dir, 'session.json'))).toMatchObject({ status: 'failed', provider: 'anthropic' });
    expect(fs.readdirSync(path.join(dir, 'agents')).sort()).toEqual(['coordinator', 'human']);
  });
});

describe('a missing key with --provider anthropic fails fast', () => {
  const runtime = tempRuntime('mailroom-anthropic-nokey-');
  let server: FakeAnthropicServer;

  beforeAll(async () => {
    server = await FakeAnthropicServer.start();
  });
  afterAll(async () => {
    killStartedClis();
    await server?.close();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('exits 1 naming ANTHROPIC_API_KEY, before any request or session folder', async () => {
    const run = await runCli(['--runtime-dir', runtime, '--provider', 'anthropic', 'Find the error classes'], {
      env: fakeEnv(server, { ANTHROPIC_API_KEY: '' }),
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/ANTHROPIC_API_KEY is not set/);
    expect(server.requests).toHaveLength(0);
    expect(fs.existsSync(path.join(runtime, 'sessions')) ? fs.readdirSync(path.join(runtime, 'sessions')) : []).toEqual([]);
  }, 60_000);
});

describe('refusal, a full context window and max_tokens inside a tool call fail clearly', () => {
  const runtime = tempRuntime('mailroom-anthropic-stops-');
  let server: FakeAnthropicServer;
  let run: Run;
  let dir: string;

  beforeAll(async () => {
    server = await FakeAnthropicServer.start();
    routeSession(server, {
      plan: [
        planReply(
          [
            { id: 'refused', role: 'research', description: 'TASK-R1' },
            { id: 'too-long', role: 'research', description: 'TASK-R2' },
            { id: 'cut-off', role: 'research', description: 'TASK-R3' },
          ],
          'best-effort',
        ),
      ],
      synthesis: [],
      workers: {
        'w01-research': [textReply('I cannot help with that.', { stop_reason: 'refusal', usage: { cache_read_input_tokens: 30 } })],
        'w02-research': [textReply('', { stop_reason: 'model_context_window_exceeded' })],
        'w03-research': [
          blocksReply([{ type: 'text', text: 'Searching.' }, { type: 'tool_use', id: 'toolu_cut', name: 'search_files', input: { query: 'err' } }], {
            stop_reason: 'max_tokens',
            usage: { cache_creation_input_tokens: 25 },
          }),
        ],
      },
    });
    // No model flags or env: the defaults are used. The coordinator is held up for longer than
    // its loop's tick after journaling each failure, as a slow disk would hold it: the
    // session's end then races the last failure's consultation every time (a race real runs
    // lost about one time in six, leaving that call out of usage.json).
    run = await runCli(['--runtime-dir', runtime, '--source', SAMPLE_PROJECT, '--heartbeat-ms', '100', 'Three research questions'], {
      env: fakeEnv(server, { MAILROOM_DELAY_AT: 'after-failure-commit:300' }),
    });
    dir = onlySession(runtime);
  }, 120_000);

  afterAll(async () => {
    killStartedClis();
    await server?.close();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('fails the session (AllWorkersFailed), naming each stop reason, without retrying any of them', async () => {
    expect(run.code, run.stderr).toBe(1);
    const session = readJson<{ status: string; reason: string }>(path.join(dir, 'session.json'));
    expect(session.status).toBe('failed');
    for (const text of [session.reason, run.stderr]) {
      expect(text).toMatch(/AllWorkersFailed/);
      expect(text).toMatch(/refused/);
      expect(text).toMatch(/context window/);
      expect(text).toMatch(/max_tokens in the middle of a tool call/);
    }
    for (const agent of ['w01-research', 'w02-research', 'w03-research']) expect(server.requestsFor(agent)).toHaveLength(1);
    // No synthesis of nothing: the plan, then one live consultation per failure.
    const coordinator = server.requestsFor('coordinator');
    expect(coordinator.filter((r) => !isConsultation(r))).toHaveLength(1);
    expect(coordinator.filter(isConsultation)).toHaveLength(3);
    expect(await workersLeft(dir)).toEqual([]);
  });

  it('still counts the usage of the failed turns', () => {
    const total = usageTotal(dir);
    expect({ ...total, calls: undefined }).toEqual({ ...server.reportedUsage(), calls: undefined });
    // 1 plan + 3 worker turns + 3 consultations.
    expect(total.calls).toBe(7);
  });

  it('uses the default model ids, which the SDK does not warn about', () => {
    for (const r of server.requestsFor('coordinator')) expect(r.body.model).toBe(DEFAULT_MODELS.coordinator);
    for (const agent of ['w01-research', 'w02-research', 'w03-research']) {
      expect(server.requestsFor(agent)[0]!.body.model).toBe(DEFAULT_MODELS.worker);
      expect(fs.readFileSync(path.join(dir, 'agents', agent, 'stderr.log'), 'utf8')).not.toMatch(/deprecated/i);
    }
    expect(run.stderr).not.toMatch(/deprecated/i);
  });
});
