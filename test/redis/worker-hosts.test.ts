/**
 * Worker hosts on one machine (loopback): a coordinator with --transport redis and two
 * `mailroom worker-host` daemons, each with its own runtime folder, all real processes
 * talking only through a real redis-server. The multi-machine version, in network
 * namespaces, is multihost-netns.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStartedClis, onlySession, startCli, tempRuntime, type CliRun } from '../support/cli.js';
import { journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis.js';

const SIX = {
  subtasks: [1, 2, 3, 4, 5, 6].map((i) => ({ id: `s${i}`, role: 'research' as const, description: `Part ${i}`, dependsOn: [] })),
  failurePolicy: 'all' as const,
};

describe.skipIf(!hasRedisServer())('worker hosts over redis (loopback)', { timeout: 240_000 }, () => {
  let server: TestRedis;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startRedis({ password: 'hunter2' });
  });
  afterAll(async () => {
    killStartedClis();
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  function host(name: string, runtime: string): CliRun {
    return startCli(['worker-host', '--redis', server.url, '--slots', '3', '--name', name, '--runtime-dir', runtime]);
  }

  it('runs a 6-subtask session on two hosts, names each worker\'s host, and the hosts stop cleanly', async () => {
    const coord = tempRuntime('mailroom-coord-');
    const rtB1 = tempRuntime('mailroom-b1-');
    const rtB2 = tempRuntime('mailroom-b2-');
    dirs.push(coord, rtB1, rtB2);
    const agents: Record<string, unknown[]> = { coordinator: [planReply(SIX), textReply('SYNTHESIS')] };
    for (let i = 1; i <= 6; i++) agents[`w0${i}-research`] = [textReply(`RESULT-${i}`, 1500)];
    const script = writeScript(coord, { agents: agents as never });
    const b1 = host('b1', rtB1);
    const b2 = host('b2', rtB2);
    await waitFor(() => b1.stderr().includes('worker host b1') && b2.stderr().includes('worker host b2'), 60_000, 'both hosts to start');

    const run = startCli(['--runtime-dir', coord, '--script', script, '--no-live', '--max-workers', '6', '--transport', 'redis', '--redis', server.url, 'task']);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('SYNTHESIS');
    const dir = onlySession(coord);
    const journal = journalOf(dir);
    const spawns = journal.filter((e) => e.type === 'spawn');
    expect(spawns).toHaveLength(6);
    expect(new Set(spawns.map((e) => e.host))).toEqual(new Set(['b1', 'b2']));
    const results = journal.filter((e) => e.type === 'result');
    expect(results.map((e) => e.output).sort()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `RESULT-${i}`));
    // The workers' files are on the hosts; their transcripts are mirrored back here.
    const agentJson = JSON.parse(fs.readFileSync(path.join(dir, 'agents', 'w01-research', 'agent.json'), 'utf8')) as { host?: string };
    expect(['b1', 'b2']).toContain(agentJson.host);
    expect(fs.readFileSync(path.join(dir, 'agents', 'w01-research', 'transcript.jsonl'), 'utf8')).toContain('RESULT-1');
    const show = await startCli(['show', path.basename(dir), '--runtime-dir', coord]).done;
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/b1|b2/);

    b1.child.kill('SIGTERM');
    b2.child.kill('SIGTERM');
    expect((await b1.done).code).toBe(0);
    expect((await b2.done).code).toBe(0);
  });
});
