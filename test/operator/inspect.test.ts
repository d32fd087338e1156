/**
 * The inspection commands on a session made by a real run: the CLI with the offline model
 * and real worker processes. Each command's output is checked against the session's own
 * files, so what an operator reads is what is on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runCliInProcess } from '../../src/cli/program.js';
import { MailboxReader, messageFileName } from '../../src/mailbox/index.js';
import { formatTranscript } from '../../src/cli/inspect/transcript.js';
import type { TranscriptLine } from '../../src/agent/transcript.js';
import { SAMPLE_PROJECT, killStartedClis, onlySession, readJson, readJsonl, runCli, startCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';
import { WorkerWatch } from '../support/watch-workers.js';

type Usage = { total: { input_tokens: number; output_tokens: number; calls: number }; agents: Record<string, { usage: { input_tokens: number; output_tokens: number }; calls: number }> };
type Entry = { type: string; t: number; agent?: string; output?: string };

/** Runs a mailroom command in this process (the same commander program the bin runs). */
async function mailroom(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCliInProcess(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const fmt = (n: number) => n.toLocaleString('en-US');

describe('inspection commands on a real offline session', () => {
  const runtime = tempRuntime('mailroom-inspect-');
  let dir: string;
  let id: string;
  let usage: Usage;
  let journal: Entry[];

  beforeAll(async () => {
    const run = await runCli(['--runtime-dir', runtime, '--source', SAMPLE_PROJECT, '--offline', 'Find how errors are handled and find how logging is done, then write a short report']);
    expect(run.code, run.stderr).toBe(0);
    dir = onlySession(runtime);
    id = path.basename(dir);
    usage = readJson<Usage>(path.join(dir, 'usage.json'));
    journal = readJsonl<Entry>(path.join(dir, 'journal.jsonl'));
    // A bad file arrives in a worker's mailbox after the fact; a real reader moves it to dead/ with its reason.
    const box = path.join(dir, 'agents', 'w02-research', 'mailbox');
    fs.writeFileSync(path.join(box, 'new', messageFileName(Date.now(), 0, 'junk')), 'this is not json');
    const reader = new MailboxReader({ sessionDir: dir, sessionId: id, agentId: 'w02-research', takeOverLock: true, watch: false, handler: async () => undefined });
    await reader.start();
    await waitFor(() => fs.readdirSync(path.join(box, 'new')).length === 0, 10_000, 'the junk file to be moved');
    await reader.stop();
  }, 120_000);

  afterAll(() => {
    killStartedClis();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('sessions: id, status, age, agent count, tokens, cost and task, through the real bin', async () => {
    const r = await runCli(['sessions', '--runtime-dir', runtime]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SESSION\s+STATUS\s+AGE\s+AGENTS\s+TOKENS\s+COST\s+TASK$/);
    expect(lines).toHaveLength(2);
    const cells = lines[1]!.split(/\s{2,}/);
    expect(cells[0]).toBe(id);
    expect(cells[1]).toBe('completed');
    expect(cells[2]).toMatch(/^\d+[smhd]$/);
    expect(cells[3]).toBe('5');
    expect(cells[4]).toBe(fmt(usage.total.input_tokens + usage.total.output_tokens));
    expect(cells[5]).toBe('-'); // the offline model has no price
    expect(cells[6]).toMatch(/^Find how errors are handled/);
  });

  it('sessions: lists newest last, and says so when there are none', async () => {
    const empty = tempRuntime('mailroom-empty-');
    try {
      const none = await mailroom('sessions', '--runtime-dir', empty);
      expect(none.code).toBe(0);
      expect(none.err).toMatch(/no sessions under/);
      // A second, older session (a copy with an earlier id) sorts first.
      const older = path.join(runtime, 'sessions', '20000101-000000-aaaaaa');
      fs.cpSync(dir, older, { recursive: true });
      try {
        const r = await mailroom('sessions', '--runtime-dir', runtime);
        const ids = r.out.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
        expect(ids).toEqual(['20000101-000000-aaaaaa', id]);
      } finally {
        fs.rmSync(older, { recursive: true, force: true });
      }
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('show: the agent tree with status, attempts, pid, mailbox counts, usage, results and result.md', async () => {
    const r = await mailroom('show', 'latest', '--runtime-dir', runtime);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`^session\\s+${id}\\s+completed$`, 'm'));
    expect(r.out).toMatch(new RegExp(`^result\\s+${path.join(dir, 'result.md').replace(/[.]/g, '\\.')} \\(`, 'm'));
    expect(r.out).toMatch(new RegExp(`^usage\\s+${fmt(usage.total.input_tokens + usage.total.output_tokens)} tokens .* in ${usage.total.calls} model calls, cost -`, 'm'));
    const table = r.out.split('\n').filter((l) => /^(coordinator|[├└]─ w\d\d-)/.test(l));
    expect(table.map((l) => l.split(/\s+/)[0] === 'coordinator' ? 'coordinator' : l.split(/\s+/)[1])).toEqual(['coordinator', 'w01-research', 'w02-research', 'w03-writing']);
    for (const line of table) {
      const agent = line.startsWith('coordinator') ? 'coordinator' : line.split(/\s+/)[1]!;
      const cells = line.replace(/^[├└]─ /, '').split(/\s+/);
      const [, role, status, tries, pid, nNew, nCur, nDead, calls, tokens, cost] = cells;
      const rec = readJson<{ role: string; pid: number; attempt: number }>(path.join(dir, 'agents', agent, 'agent.json'));
      const box = path.join(dir, 'agents', agent, 'mailbox');
      expect(role).toBe(rec.role);
      expect(status).toBe('completed');
      expect(tries).toBe(String(rec.attempt));
      expect(pid).toBe(String(rec.pid));
      expect(nNew).toBe(String(fs.readdirSync(path.join(box, 'new')).length));
      expect(nCur).toBe(String(fs.readdirSync(path.join(box, 'cur')).length));
      expect(nDead).toBe(agent === 'w02-research' ? '1' : '0');
      expect(calls).toBe(String(usage.agents[agent]!.calls));
      expect(tokens).toBe(fmt(usage.agents[agent]!.usage.input_tokens + usage.agents[agent]!.usage.output_tokens));
      expect(cost).toBe('-');
    }
    // Each worker's subtask and the first line of its result, from the journal.
    for (const e of journal.filter((x) => x.type === 'result')) {
      const first = e.output!.trim().split('\n')[0]!;
      expect(r.out).toContain(`    result: ${first.slice(0, 40)}`);
    }
  });

  it('inbox: messages in send order; dead/ only with --all, with its reason', async () => {
    const coord = await mailroom('inbox', id, 'coordinator', '--runtime-dir', runtime);
    expect(coord.code, coord.err).toBe(0);
    const heads = coord.out.split('\n').filter((l) => /^#\d+ /.test(l));
    const cur = fs.readdirSync(path.join(dir, 'agents', 'coordinator', 'mailbox', 'cur')).sort();
    expect(heads).toHaveLength(cur.length);
    // Numbered in file-name order, which is send order, and each names its sender and type.
    cur.forEach((name, i) => {
      const env = readJson<{ from: string; type: string }>(path.join(dir, 'agents', 'coordinator', 'mailbox', 'cur', name));
      expect(heads[i]).toMatch(new RegExp(`^#${i + 1}\\s+\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\s+${env.from} -> coordinator\\s+${env.type}\\s+\\[cur: handled\\]$`));
    });
    expect(coord.out).toMatch(/^\s+\| Findings for: Find how errors are handled$/m); // a result body, shown
    expect(coord.out).toMatch(/^\s+turn \d+: [\d,]+ in, [\d,]+ out so far$/m); // a progress body

    const w02 = await mailroom('inbox', id, 'w02-research', '--runtime-dir', runtime);
    expect(w02.out).toMatch(/^#1\s+.*coordinator -> w02-research\s+assign\s+\[cur: handled\]$/m);
    expect(w02.out).not.toMatch(/DEAD/);
    expect(w02.out).toMatch(/1 message in dead\/ not shown: add --all/);

    const all = await mailroom('inbox', id, 'w02-research', '--all', '--runtime-dir', runtime);
    expect(all.out).toMatch(/^#2\s+\d{13}-00000000-junk\.json\s+\[dead: DEAD\]$/m);
    expect(all.out).toMatch(/^\s+\| this is not json$/m);
    expect(all.out).toMatch(/^\s+dead because: .*JSON/im);
  });

  it('transcript: roles, texts, tool calls with inputs and abbreviated results', async () => {
    const r = await mailroom('transcript', id, 'w01-research', '--runtime-dir', runtime);
    expect(r.code, r.err).toBe(0);
    const lines = readJsonl<TranscriptLine>(path.join(dir, 'agents', 'w01-research', 'transcript.jsonl'));
    expect(r.out).toMatch(new RegExp(`^w01-research: ${lines.length} transcript lines, 1 attempt$`, 'm'));
    const system = lines.find((l) => l.kind === 'system')!;
    expect(system.kind === 'system' && system.tools.length).toBeGreaterThan(0);
    if (system.kind === 'system') expect(r.out).toContain(`  tools: ${system.tools.join(', ')}`);
    expect(r.out).toMatch(/^\[user\] /m);
    expect(r.out).toMatch(/^\[assistant\] \S+\s+turn 1, tool_use, [\d,]+ in \/ [\d,]+ out$/m);
    // Every tool call shows its name and input; every result names the call it answers.
    const uses = lines.flatMap((l) => (l.kind === 'message' && typeof l.message.content !== 'string' ? l.message.content : [])).filter((b) => b.type === 'tool_use');
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) {
      if (u.type !== 'tool_use') continue;
      expect(r.out).toContain(`  -> ${u.name} ${JSON.stringify(u.input).slice(0, 30)}`);
    }
    expect(r.out.match(/^ {2}<- \w+ +\(\d+ lines?, [\d,]+ chars\)$/gm)).toHaveLength(uses.length);
    // Long tool results are abbreviated; --full shows them whole.
    expect(r.out).toMatch(/… \(\d+ more line\(s\)\)/);
    const full = await mailroom('transcript', id, 'w01-research', '--full', '--runtime-dir', runtime);
    expect(full.out).not.toMatch(/more line\(s\)/);
    expect(full.out.length).toBeGreaterThan(r.out.length);
  });

  it('logs: every agent merged by time through pino-pretty, or one agent', async () => {
    const r = await mailroom('logs', id, '--runtime-dir', runtime);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    const stamps = lines.map((l) => /^\[(\d\d:\d\d:\d\d\.\d{3})\] (\w+): (\S+)/.exec(l));
    expect(stamps.every(Boolean), r.out).toBe(true);
    const times = stamps.map((m) => m![1]!);
    expect([...times].sort()).toEqual(times);
    const agents = new Set(stamps.map((m) => m![3]));
    expect([...agents].sort()).toEqual(['coordinator', 'w01-research', 'w02-research', 'w03-writing']);
    // Every record of every file is there, labelled with its agent.
    for (const a of ['coordinator', 'w01-research', 'w02-research', 'w03-writing']) {
      for (const rec of readJsonl<{ msg: string }>(path.join(dir, 'agents', a, 'log.ndjson'))) {
        expect(r.out).toMatch(new RegExp(`: ${a} +${rec.msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      }
    }
    // As many lines as the log files hold.
    const count = (a: string) => fs.readFileSync(path.join(dir, 'agents', a, 'log.ndjson'), 'utf8').trim().split('\n').length;
    expect(lines).toHaveLength(['coordinator', 'w01-research', 'w02-research', 'w03-writing'].reduce((n, a) => n + count(a), 0));

    const one = await mailroom('logs', id, 'w01-research', '--runtime-dir', runtime);
    expect(one.out.trimEnd().split('\n')).toHaveLength(count('w01-research'));
    expect(one.out).not.toMatch(/coordinator /);

    // Following a session that already ended prints everything and stops by itself.
    const f = await mailroom('logs', id, '-f', '--runtime-dir', runtime);
    expect(f.code).toBe(0);
    expect(f.out).toMatch(/-- end of logs: the session completed --\n$/);
  });

  it('refuses bad references with exit 2 and a usage hint', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['show', 'nope'], /no session "nope"/],
      [['show', '20990101-000000-zzzzzz'], /no session "20990101-000000-zzzzzz"/],
      [['inbox', id, 'w09-nobody'], /has no agent "w09-nobody"; its agents are: coordinator, human, w01-research, w02-research, w03-writing/],
      [['transcript', id, '../../etc'], /has no agent "..\/..\/etc"/],
      [['logs', id, 'w09-nobody'], /has no agent "w09-nobody"/],
      [['logs', id, '--level', 'loud'], /--level must be one of/],
    ];
    for (const [args, message] of cases) {
      const r = await mailroom(...args, '--runtime-dir', runtime);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/--help/);
    }
    expect((await mailroom('show', '--runtime-dir', runtime)).code).toBe(2); // missing argument
  });
});

describe('logs -f on a live session', () => {
  const runtime = tempRuntime('mailroom-follow-');
  let sessionDir: string | undefined;
  const watch = new WorkerWatch(() => sessionDir);
  afterAll(() => {
    killStartedClis();
    // Its worker hangs until shut down: if the test failed before that, kill it here.
    if (sessionDir) for (const pid of findWorkerProcesses(sessionDir).values()) process.kill(pid, 'SIGKILL');
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('prints lines written after it started, stops on Ctrl-C (exit 130), and ends with the session', async () => {
    const script = writeScript(runtime, {
      agents: {
        coordinator: [planReply({ subtasks: [{ id: 'stuck', role: 'research', description: 'Never finishes', dependsOn: [] }], failurePolicy: 'all' }), textReply('DONE')],
        // Hangs until it is shut down, so the session is surely running while we follow it.
        'w01-research': [{ hang: true }],
      },
    });
    const session = startCli(['--runtime-dir', runtime, '--script', script, 'a stuck task']);
    sessionDir = await waitFor(() => fs.existsSync(path.join(runtime, 'sessions')) && fs.readdirSync(path.join(runtime, 'sessions')).length === 1 && onlySession(runtime), 30_000, 'the session dir');
    const id = path.basename(sessionDir);
    await waitFor(() => journalOf(sessionDir!).some((e) => e.type === 'started'), 60_000, 'the worker to start');
    const follower = startCli(['logs', id, '-f', '--runtime-dir', runtime]);
    const interrupted = startCli(['logs', id, 'coordinator', '-f', '--runtime-dir', runtime]);
    await waitFor(() => interrupted.stdout().includes('worker spawned') && follower.stdout().includes('worker spawned'), 60_000, 'the followers to print');
    interrupted.child.kill('SIGINT');
    const stopped = await interrupted.done;
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(130);

    // Stop the session; the worker logs its exit after the follower started, and the follower prints it.
    const kill = await runCli(['kill', id, '--runtime-dir', runtime]);
    expect(kill.code, kill.stderr).toBe(0);
    const ran = await session.done;
    expect(ran.code, ran.stderr).toBe(130);
    const followed = await follower.done;
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toMatch(/ w01-research worker exiting/);
    expect(followed.stdout).toMatch(/-- end of logs: the session interrupted --\n$/);
    expect(watch.live()).toEqual([]);
  });
});

describe('the transcript view of errors', () => {
  it('marks tool errors and failure notes with !!', () => {
    const lines: TranscriptLine[] = [
      { t: 1, kind: 'system', attempt: 1, content: 'You are w01-research.', tools: ['read_file'] },
      { t: 2, kind: 'message', attempt: 1, message: { role: 'user', content: 'Read it' } },
      { t: 3, kind: 'message', attempt: 1, message: { role: 'assistant', content: [{ type: 'tool_use', id: 'tu1', name: 'run_javascript', input: { code: 'x'.repeat(500) } }] }, stop_reason: 'tool_use' },
      { t: 4, kind: 'message', attempt: 1, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'tool "run_javascript" is not available to a research worker', is_error: true }] } },
      { t: 5, kind: 'note', attempt: 1, text: 'failed: turn limit reached' },
      { t: 6, kind: 'system', attempt: 2, content: 'You are w01-research.', tools: ['read_file'] },
    ];
    const out = formatTranscript('w01-research', lines);
    expect(out).toMatch(/^ {2}-> run_javascript \{"code":"x+…$/m); // a long input, abbreviated
    expect(out).toMatch(/^ {2}!! <- run_javascript ERROR/m);
    expect(out).toMatch(/^!! \[note\] /m);
    expect(out).toMatch(/=== attempt 1 ===[\s\S]*=== attempt 2 ===/);
  });
});
