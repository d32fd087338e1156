/**
 * Several machines, made of Linux network namespaces: redis-server in one, two worker
 * hosts in two others, the coordinator in a fourth (and its resume in a fifth). They reach
 * each other only over veth links on 10.200.0.x addresses that exist only inside these
 * namespaces. A 6-subtask session spreads over both hosts; one host's daemon and its
 * workers are SIGKILLed mid-session and their subtasks retried on the other host; the
 * coordinator is SIGKILLed and the session resumed from another namespace; every result
 * arrives exactly once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY, onlySession, tempRuntime } from '../support/cli.js';
import { createNetns, netnsUnavailable, type Netns } from '../support/netns.js';
import { hasRedisServer } from '../support/redis.js';
import { journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';

const why = !hasRedisServer() ? 'redis-server is not installed (.ci/run installs it)' : netnsUnavailable();
const PASSWORD = 'ns-secret';

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  done: Promise<number | string>;
}

describe.skipIf(why !== undefined)('multi-host session in network namespaces', { timeout: 420_000 }, () => {
  if (why) it.skip(`skipped: ${why}`, () => undefined);
  let net: Netns;
  const procs: Proc[] = [];
  const dirs: string[] = [];
  let redisDir: string;

  function run(ns: string, cmd: string, args: string[]): Proc {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'debug' };
    delete env.ANTHROPIC_API_KEY;
    const child = net.exec(ns, cmd, args, env);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<number | string>((r) => child.on('close', (code, sig) => r(code ?? sig ?? -1)));
    const p = { child, out: () => out, err: () => err, done };
    procs.push(p);
    return p;
  }
  const cli = (ns: string, args: string[]) => run(ns, process.execPath, [CLI_ENTRY, ...args]);

  beforeAll(async () => {
    net = createNetns(['b1', 'b2', 'c1', 'c2']);
    redisDir = tempRuntime('mailroom-ns-redis-');
    dirs.push(redisDir);
    run(net.hub, 'redis-server', ['--port', '6379', '--bind', net.hubAddr, '--requirepass', PASSWORD, '--dir', redisDir, '--save', '', '--appendonly', 'no', '--logfile', path.join(redisDir, 'redis.log')]);
    await waitFor(() => net.execSync(net.members.c1!.ns, 'redis-cli', ['-h', net.hubAddr, '-a', PASSWORD, '--no-auth-warning', 'ping']).stdout.includes('PONG'), 30_000, 'redis in its namespace');
  });

  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    // Workers are in their own process groups: find any left by their command line.
    for (const d of dirs) killWorkersUnder(d);
    await Promise.all(procs.map((p) => p.done));
    net?.destroy();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('spreads over two hosts, survives a host and a coordinator SIGKILL, and completes with every result once', async () => {
    const url = `redis://:${PASSWORD}@${net.hubAddr}:6379`;
    const coord = tempRuntime('mailroom-ns-coord-');
    const rtB1 = tempRuntime('mailroom-ns-b1-');
    const rtB2 = tempRuntime('mailroom-ns-b2-');
    dirs.push(coord, rtB1, rtB2);
    const six = { subtasks: [1, 2, 3, 4, 5, 6].map((i) => ({ id: `s${i}`, role: 'research' as const, description: `Part ${i}`, dependsOn: [] })), failurePolicy: 'all' as const };
    const agents: Record<string, unknown[]> = { coordinator: [planReply(six), textReply('SYNTHESIS OF SIX')] };
    // The first answers take long enough that all six are still at work when b1 dies, even
    // when six workers start slowly on a loaded machine.
    for (let i = 1; i <= 6; i++) agents[`w0${i}-research`] = [textReply(`RESULT-${i}`, 12000), textReply(`RESULT-${i}`, 3000), textReply(`RESULT-${i}`)];
    const script = writeScript(coord, { agents: agents as never });

    const b1 = cli(net.members.b1!.ns, ['worker-host', '--redis', url, '--slots', '3', '--name', 'b1', '--runtime-dir', rtB1]);
    const b2 = cli(net.members.b2!.ns, ['worker-host', '--redis', url, '--slots', '3', '--name', 'b2', '--runtime-dir', rtB2]);
    await waitFor(() => b1.err().includes('worker host b1') && b2.err().includes('worker host b2'), 90_000, 'both hosts to start');

    const common = ['--runtime-dir', coord, '--transport', 'redis', '--redis', url];
    const c1 = cli(net.members.c1!.ns, [...common, '--script', script, '--no-live', '--max-workers', '6', '--heartbeat-ms', '500', '--heartbeat-misses', '8', '--attempts', '4', 'task']);
    await waitFor(() => fs.existsSync(path.join(coord, 'sessions')) && fs.readdirSync(path.join(coord, 'sessions')).length === 1, 60_000, 'the session folder');
    const dir = onlySession(coord);
    const spawnsOn = (h: string) => journalOf(dir).filter((e) => e.type === 'spawn' && e.host === h);
    await waitFor(() => spawnsOn('b1').length > 0 && spawnsOn('b2').length > 0 && journalOf(dir).filter((e) => e.type === 'started').length >= 6, 120_000, 'workers started on both hosts');
    expect(journalOf(dir).filter((e) => e.type === 'result')).toHaveLength(0);

    // Host b1 dies with its workers, without a word.
    const onB1 = new Set(spawnsOn('b1').map((e) => e.agent as string));
    b1.child.kill('SIGKILL');
    killWorkersUnder(rtB1);
    await b1.done;
    // Its subtasks are retried on b2.
    await waitFor(() => [...onB1].every((a) => journalOf(dir).some((e) => e.type === 'spawn' && e.agent === a && e.host === 'b2')), 120_000, 'b1\'s subtasks respawned on b2');
    expect(journalOf(dir).filter((e) => e.type === 'failure' && onB1.has(e.agent as string)).every((e) => e.final === false)).toBe(true);

    // The coordinator dies too; the session is resumed from another namespace.
    await sleep(500);
    c1.child.kill('SIGKILL');
    await c1.done;
    const c2 = cli(net.members.c2!.ns, [...common, '--resume', path.basename(dir)]);
    const code = await c2.done;
    expect(code, c2.err()).toBe(0);
    expect(c2.out()).toContain('SYNTHESIS OF SIX');

    const journal = journalOf(dir);
    if (process.env.MAILROOM_DUMP_JOURNAL) fs.writeFileSync(process.env.MAILROOM_DUMP_JOURNAL, JSON.stringify(journal, null, 1));
    const results = journal.filter((e) => e.type === 'result');
    expect(results.map((e) => e.subtask).sort()).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
    expect(results.map((e) => e.output).sort()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `RESULT-${i}`));
    expect(new Set(journal.filter((e) => e.type === 'spawn').map((e) => e.host))).toEqual(new Set(['b1', 'b2']));
    const resumedAt = journal.findIndex((e) => e.type === 'session_resumed');
    expect(resumedAt).toBeGreaterThan(0);
    // Nothing had to be redone after the resume: live workers were reattached, and results
    // that waited in Redis were delivered (and handled) before the resume judged the workers.
    expect(journal.slice(resumedAt).filter((e) => e.type === 'spawn')).toEqual([]);
    expect(journal.slice(resumedAt).filter((e) => e.type === 'failure')).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'result.md'), 'utf8')).toContain('SYNTHESIS OF SIX');

    b2.child.kill('SIGTERM');
    expect(await b2.done).toBe(0);
  });
});

/** SIGKILLs every worker process whose --session lies under `root`. */
function killWorkersUnder(root: string): void {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const s = args.indexOf('--session');
      if (s >= 0 && args[s + 1]?.startsWith(root + path.sep)) process.kill(Number(name), 'SIGKILL');
    } catch {
      // gone, or not ours
    }
  }
}
