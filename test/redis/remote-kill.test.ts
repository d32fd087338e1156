/**
 * Issue 18, item 3: `mailroom kill <session> <agent>` for a worker on a worker host. With
 * the coordinator gone (SIGKILL), the kill reaches the worker's host through Redis, the host
 * runs the termination ladder next to the process, and the steps it reports are journaled
 * on the coordinator's machine. Loopback: a real redis-server, a real `mailroom
 * worker-host` daemon with its own runtime folder, and the real CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliveKey, reportStream } from '../../src/worker-host/protocol.js';
import { isPidAlive } from '../../src/util/fs.js';
import { killStartedClis, onlySession, runCli, startCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis.js';

describe.skipIf(!hasRedisServer())('mailroom kill reaches a worker on a worker host', { timeout: 240_000 }, () => {
  let server: TestRedis;
  let client: Redis;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startRedis({ password: 'kill-secret' });
    client = new Redis(server.url);
  });
  afterAll(async () => {
    killStartedClis();
    client?.disconnect();
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('with the coordinator dead, the worker\'s host runs the ladder on request and the steps land in the journal', async () => {
    const coordRt = tempRuntime('mailroom-kill-coord-');
    const hostRt = tempRuntime('mailroom-kill-host-');
    dirs.push(coordRt, hostRt);
    const plan = { subtasks: [{ id: 's1', role: 'research' as const, description: 'A long look', dependsOn: [] }], failurePolicy: 'all' as const };
    const script = writeScript(coordRt, {
      agents: { coordinator: [planReply(plan), textReply('SYNTHESIS')], 'w01-research': [textReply('TOO LATE', 600_000)] } as never,
    });
    const host = startCli(['worker-host', '--redis', server.url, '--slots', '2', '--name', 'k1', '--runtime-dir', hostRt]);
    await waitFor(() => host.stderr().includes('worker host k1'), 60_000, 'the host to start');
    const coord = startCli(['--runtime-dir', coordRt, '--script', script, '--no-live', '--transport', 'redis', '--redis', server.url, 'task']);
    await waitFor(() => fs.existsSync(path.join(coordRt, 'sessions')) && fs.readdirSync(path.join(coordRt, 'sessions')).length === 1, 60_000, 'the session folder');
    const dir = onlySession(coordRt);
    const sid = path.basename(dir);
    await waitFor(() => journalOf(dir).some((e) => e.type === 'started' && e.agent === 'w01-research'), 120_000, 'the worker to start on the host');
    const alive = await client.get(aliveKey(sid, 'w01-research'));
    expect(alive).toMatch(/^k1 \d+ 1$/);
    const pid = Number(alive!.split(' ')[1]);
    expect(isPidAlive(pid)).toBe(true);

    // The coordinator dies; the worker lives on, on its host.
    coord.child.kill('SIGKILL');
    await coord.done;
    expect(isPidAlive(pid)).toBe(true);

    // `show --redis` sees it alive on its host (the * after pid@host), and its mailbox stream.
    const shown = await runCli(['show', sid, '--runtime-dir', coordRt, '--redis', server.url]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`w01-research\\s+research\\s+running\\s+1\\s+${pid}@k1\\*\\s+0\\s+1\\s+0\\s`));
    const local = await runCli(['show', sid, '--runtime-dir', coordRt]);
    expect(local.stdout).toMatch(new RegExp(`${pid}@k1\\s`));

    // Without the Redis URL the kill cannot reach the host, and says how to.
    const blind = await runCli(['kill', sid, 'w01-research', '--runtime-dir', coordRt]);
    expect(blind.code).toBe(2);
    expect(blind.stderr).toContain('worker w01-research runs on worker host k1: give --redis <url>');
    expect(isPidAlive(pid)).toBe(true);

    const kill = await runCli(['kill', sid, 'w01-research', '--runtime-dir', coordRt, '--redis', server.url, '--reason', 'operator says stop']);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stderr).toMatch(new RegExp(`stopped w01-research \\(pid ${pid} on host k1, (shutdown|SIGTERM|SIGKILL)\\)`));
    expect(kill.stderr).toContain('worker w01-research stopped (via direct)');
    expect(isPidAlive(pid)).toBe(false);
    // The host ran it: its log says so, and it reported each step.
    expect(fs.readFileSync(path.join(hostRt, 'hosts', 'k1', 'host.ndjson'), 'utf8')).toContain('terminating a worker on request');
    const reports = ((await client.xrange(reportStream(sid), '-', '+')) as [string, string[]][]).map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]]]))) as Record<string, string>);
    const steps = reports.filter((r) => r.event === 'terminate' && r.agent === 'w01-research').map((r) => r.step);
    expect(steps[0]).toBe('shutdown');
    expect(steps.at(-1)).toBe('gone');
    expect(reports.some((r) => r.event === 'terminated' && r.host === 'k1')).toBe(true);
    // The coordinator's machine journaled the same steps, and the agent is marked terminated.
    const journaled = journalOf(dir).filter((e) => e.type === 'terminate' && e.agent === 'w01-research');
    expect(journaled.map((e) => e.step)).toEqual(steps);
    expect(journaled.every((e) => e.reason === 'operator says stop')).toBe(true);
    const agentJson = JSON.parse(fs.readFileSync(path.join(dir, 'agents', 'w01-research', 'agent.json'), 'utf8')) as { status?: string };
    expect(agentJson.status).toBe('terminated');
    // The host itself is still up and stops cleanly.
    expect(host.child.exitCode).toBeNull();
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });

  it('with a live coordinator, the kill goes through it, and --redis lets the command wait until the remote worker is gone', async () => {
    const coordRt = tempRuntime('mailroom-kill2-coord-');
    const hostRt = tempRuntime('mailroom-kill2-host-');
    dirs.push(coordRt, hostRt);
    const plan = { subtasks: [{ id: 's1', role: 'research' as const, description: 'A long look', dependsOn: [] }], failurePolicy: 'all' as const };
    const script = writeScript(coordRt, {
      agents: { coordinator: [planReply(plan), textReply('SYNTHESIS')], 'w01-research': [textReply('TOO LATE', 600_000)] } as never,
    });
    const host = startCli(['worker-host', '--redis', server.url, '--slots', '2', '--name', 'k2', '--runtime-dir', hostRt]);
    await waitFor(() => host.stderr().includes('worker host k2'), 60_000, 'the host to start');
    const coord = startCli(['--runtime-dir', coordRt, '--script', script, '--no-live', '--transport', 'redis', '--redis', server.url, 'task']);
    await waitFor(() => fs.existsSync(path.join(coordRt, 'sessions')) && fs.readdirSync(path.join(coordRt, 'sessions')).length === 1, 60_000, 'the session folder');
    const dir = onlySession(coordRt);
    const sid = path.basename(dir);
    await waitFor(() => journalOf(dir).some((e) => e.type === 'started' && e.agent === 'w01-research'), 120_000, 'the worker to start on the host');
    const pid = Number((await client.get(aliveKey(sid, 'w01-research')))!.split(' ')[1]);

    const kill = await runCli(['kill', sid, 'w01-research', '--runtime-dir', coordRt, '--redis', server.url]);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stderr).toContain(`stopped w01-research (pid ${pid} on host k2, by coordinator)`);
    expect(kill.stderr).toContain('(via coordinator)');
    expect(isPidAlive(pid)).toBe(false);
    expect(await client.exists(aliveKey(sid, 'w01-research'))).toBe(0);
    // The coordinator ran the ladder and knows the stop was deliberate.
    expect(journalOf(dir).some((e) => e.type === 'terminate' && e.agent === 'w01-research')).toBe(true);
    await coord.done;
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });
});
