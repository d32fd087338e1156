/**
 * The whole slice, as a user runs it: the real CLI, real worker processes, real mailboxes
 * on disk, and the offline model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';
import { SAMPLE_PROJECT, killStartedClis, onlySession, readJson, readJsonl, runCli, tempRuntime } from '../support/cli.js';

type Entry = { type: string; t: number; agent?: string; subtask?: string; pid?: number; output?: string };
type Line = { kind: string; message?: { role: string; content: unknown }; content?: string };

describe('a full session with real worker processes (offline model)', () => {
  const runtime = tempRuntime();
  let run: Awaited<ReturnType<typeof runCli>>;
  let dir: string;
  let journal: Entry[];

  beforeAll(async () => {
    run = await runCli([
      '--runtime-dir', runtime,
      '--source', SAMPLE_PROJECT,
      '--offline',
      'Find how errors are handled and find how logging is done, then write a short report',
    ]);
    dir = onlySession(runtime);
    journal = readJsonl<Entry>(path.join(dir, 'journal.jsonl'));
  }, 180_000);

  afterAll(() => {
    killStartedClis();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('completes, prints the answer on stdout and progress on stderr', () => {
    expect(run.code, run.stderr).toBe(0);
    const result = fs.readFileSync(path.join(dir, 'result.md'), 'utf8');
    expect(run.stdout.trim()).toBe(result.trim());
    expect(run.stderr).toMatch(/offline model/);
    expect(run.stderr).toMatch(/plan: 3 subtask/);
    expect(run.stderr).toMatch(/w01-research spawned .*pid \d+/);
    expect(run.stderr).toMatch(/synthesis done/);
    const session = readJson<{ status: string; provider: string }>(path.join(dir, 'session.json'));
    expect(session).toMatchObject({ status: 'completed', provider: 'offline' });
  });

  it('has the on-disk layout of DESIGN.md', () => {
    for (const f of ['session.json', 'journal.jsonl', 'plan.json', 'result.md', 'usage.json']) {
      expect(fs.statSync(path.join(dir, f)).isFile(), f).toBe(true);
    }
    for (const d of ['agents', 'artifacts', 'workspace']) expect(fs.statSync(path.join(dir, d)).isDirectory(), d).toBe(true);
    expect(path.basename(dir)).toMatch(/^\d{8}-\d{6}-[0-9a-z]{6}$/);
    const all = fs.readdirSync(path.join(dir, 'agents')).sort();
    expect(all).toEqual(['coordinator', 'human', 'w01-research', 'w02-research', 'w03-writing']);
    // The people of the session are one more mailbox, with no process of their own.
    for (const sub of ['tmp', 'new', 'cur', 'dead']) expect(fs.statSync(path.join(dir, 'agents', 'human', 'mailbox', sub)).isDirectory(), `human/${sub}`).toBe(true);
    const agents = all.filter((a) => a !== 'human');
    for (const a of agents) {
      const ad = path.join(dir, 'agents', a);
      for (const sub of ['tmp', 'new', 'cur', 'dead']) expect(fs.statSync(path.join(ad, 'mailbox', sub)).isDirectory(), `${a}/${sub}`).toBe(true);
      expect(fs.existsSync(path.join(ad, 'agent.json')), `${a}/agent.json`).toBe(true);
      expect(fs.existsSync(path.join(ad, 'log.ndjson')), `${a}/log.ndjson`).toBe(true);
      if (a === 'coordinator') continue;
      for (const f of ['heartbeat', 'transcript.jsonl', 'stdout.log', 'stderr.log']) expect(fs.existsSync(path.join(ad, f)), `${a}/${f}`).toBe(true);
      const agent = readJson<{ role: string; status: string; attempt: number; tools: string[] }>(path.join(ad, 'agent.json'));
      expect(agent.status).toBe('completed');
      expect(agent.attempt).toBe(1);
      // Every message a worker got was acked into cur/; nothing is dead.
      expect(fs.readdirSync(path.join(ad, 'mailbox', 'cur')).length).toBeGreaterThan(0);
      expect(fs.readdirSync(path.join(ad, 'mailbox', 'dead'))).toEqual([]);
      expect(fs.readdirSync(path.join(ad, 'mailbox', 'new'))).toEqual([]);
    }
    // The coordinator received started, progress and result messages from every worker.
    const coordCur = fs.readdirSync(path.join(dir, 'agents', 'coordinator', 'mailbox', 'cur'));
    const types = coordCur.map((n) => readJson<{ type: string }>(path.join(dir, 'agents', 'coordinator', 'mailbox', 'cur', n)).type);
    expect(types.filter((t) => t === 'result')).toHaveLength(3);
    expect(types.filter((t) => t === 'started')).toHaveLength(3);
    const plan = readJson<{ subtasks: Array<{ id: string }> }>(path.join(dir, 'plan.json'));
    expect(plan.subtasks).toHaveLength(3);
    const usage = readJson<{ total: { input_tokens: number; calls: number }; agents: Record<string, unknown> }>(path.join(dir, 'usage.json'));
    expect(usage.total.input_tokens).toBeGreaterThan(0);
    expect(Object.keys(usage.agents).sort()).toEqual(['coordinator', 'w01-research', 'w02-research', 'w03-writing']);
  });

  it('ran every worker in its own process, not the coordinator', () => {
    const start = journal.find((e) => e.type === 'session_started')!;
    const spawns = journal.filter((e) => e.type === 'spawn');
    const started = journal.filter((e) => e.type === 'started');
    expect(spawns).toHaveLength(3);
    const pids = spawns.map((s) => s.pid);
    expect(new Set(pids).size).toBe(3);
    expect(pids).not.toContain(start.pid);
    // Each worker reported the pid it really runs as, and it is the one that was spawned.
    for (const s of spawns) expect(started.find((x) => x.agent === s.agent)?.pid).toBe(s.pid);
  });

  it('gave every worker a fresh context: its own task, and only its dependencies', () => {
    const results = new Map(journal.filter((e) => e.type === 'result').map((e) => [e.agent!, e.output!]));
    for (const agent of ['w01-research', 'w02-research', 'w03-writing']) {
      const lines = readJsonl<Line>(path.join(dir, 'agents', agent, 'transcript.jsonl'));
      expect(lines[0]!.kind).toBe('system');
      expect(lines[0]!.content).toContain(agent);
      const first = lines.find((l) => l.kind === 'message')!;
      expect(first.message!.role).toBe('user');
      const text = first.message!.content as string;
      expect(text).toMatch(/^<task>/);
      const others = ['w01-research', 'w02-research', 'w03-writing'].filter((a) => a !== agent);
      const expectedInputs = agent === 'w03-writing' ? ['w01-research', 'w02-research'] : [];
      for (const o of others) {
        if (expectedInputs.includes(o)) expect(text).toContain(`<input from="${o}"`);
        else expect(text).not.toContain(o);
      }
      // Nothing but that one task message precedes the agent's own first turn.
      const roles = lines.filter((l) => l.kind === 'message').map((l) => l.message!.role);
      expect(roles[0]).toBe('user');
      expect(roles[1]).toBe('assistant');
    }
    // The dependent subtask received its dependencies' outputs verbatim.
    const writingFirst = readJsonl<Line>(path.join(dir, 'agents', 'w03-writing', 'transcript.jsonl')).find((l) => l.kind === 'message')!;
    expect(writingFirst.message!.content as string).toContain(results.get('w01-research')!);
    expect(writingFirst.message!.content as string).toContain(results.get('w02-research')!);
  });

  it('ran the two independent subtasks at the same time', () => {
    const at = (type: string, agent: string) => journal.find((e) => e.type === type && e.agent === agent)!.t;
    // Each subtask spans spawn to result; the two spans overlap.
    const lastStart = Math.max(at('spawn', 'w01-research'), at('spawn', 'w02-research'));
    const firstEnd = Math.min(at('result', 'w01-research'), at('result', 'w02-research'));
    expect(lastStart).toBeLessThan(firstEnd);
    // And the dependent one started only after both had finished.
    expect(at('spawn', 'w03-writing')).toBeGreaterThanOrEqual(Math.max(at('result', 'w01-research'), at('result', 'w02-research')));
  });

  it("names each worker's contribution in the result, from what the workers found", () => {
    const result = fs.readFileSync(path.join(dir, 'result.md'), 'utf8');
    for (const a of ['w01-research', 'w02-research', 'w03-writing']) expect(result).toContain(a);
    // Extracted from the sample project's sources, not invented.
    expect(result).toMatch(/errors\.ts/);
    expect(result).toMatch(/logging\.ts/);
    expect(fs.readFileSync(path.join(dir, 'workspace', 'report.md'), 'utf8')).toMatch(/^# /);
  });

  it('leaves no worker process behind', () => {
    expect([...findWorkerProcesses(dir).keys()]).toEqual([]);
  });
});
