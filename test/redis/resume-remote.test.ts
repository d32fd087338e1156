/**
 * Issue 18, item 5 (a defect): a coordinator resumed over worker hosts must not take a
 * worker for dead when it only finished, or kept running, while no coordinator ran. Here
 * one worker finishes during the downtime (its result waits in Redis, its alive key is
 * gone) and another keeps running; the resumed coordinator must take the first one's
 * result and reattach to the second, spawning nothing again. Loopback: a real redis-server,
 * a real worker host, the real CLI, a real SIGKILL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliveKey } from '../../src/worker-host/protocol.js';
import { StreamToFile } from '../../src/worker-host/tail.js';
import { killStartedClis, onlySession, startCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { waitFor as waitUntil } from '../mailbox/helpers.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis.js';

describe.skipIf(!hasRedisServer())('resume over worker hosts', { timeout: 300_000 }, () => {
  let server: TestRedis;
  let client: Redis;
  const dirs: string[] = [];
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    killStartedClis();
    client?.disconnect();
    await server?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('takes the result of a worker that finished while no coordinator ran, reattaches to one still running, and respawns neither', async () => {
    const coordRt = tempRuntime('mailroom-resume-coord-');
    const hostRt = tempRuntime('mailroom-resume-host-');
    dirs.push(coordRt, hostRt);
    const plan = {
      subtasks: [
        { id: 's1', role: 'research' as const, description: 'Quick part', dependsOn: [] },
        { id: 's2', role: 'research' as const, description: 'Long part', dependsOn: [] },
      ],
      failurePolicy: 'all' as const,
    };
    const script = writeScript(coordRt, {
      agents: {
        coordinator: [planReply(plan), textReply('SYNTHESIS OF TWO')],
        'w01-research': [textReply('QUICK-RESULT', 4000), textReply('QUICK-RESULT-AGAIN')],
        'w02-research': [textReply('LONG-RESULT', 25_000), textReply('LONG-RESULT-AGAIN')],
      } as never,
    });
    const host = startCli(['worker-host', '--redis', server.url, '--slots', '3', '--name', 'r1', '--runtime-dir', hostRt]);
    await waitFor(() => host.stderr().includes('worker host r1'), 60_000, 'the host to start');
    const common = ['--runtime-dir', coordRt, '--transport', 'redis', '--redis', server.url];
    const first = startCli([...common, '--script', script, '--no-live', '--heartbeat-ms', '500', '--heartbeat-misses', '8', 'task']);
    await waitFor(() => fs.existsSync(path.join(coordRt, 'sessions')) && fs.readdirSync(path.join(coordRt, 'sessions')).length === 1, 60_000, 'the session folder');
    const dir = onlySession(coordRt);
    const sid = path.basename(dir);
    await waitFor(() => journalOf(dir).filter((e) => e.type === 'started').length === 2, 120_000, 'both workers to start');
    expect(journalOf(dir).filter((e) => e.type === 'result')).toHaveLength(0);

    first.child.kill('SIGKILL');
    await first.done;
    // w01 finishes meanwhile: its result waits in Redis and its alive key goes; w02 runs on.
    await waitUntil(async () => (await client.exists(aliveKey(sid, 'w01-research'))) === 0, 'the quick worker to finish while no coordinator runs', 60_000);
    expect(await client.exists(aliveKey(sid, 'w02-research'))).toBe(1);

    const resumed = await startCli([...common, '--resume', sid, '--no-live']).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('SYNTHESIS OF TWO');
    const journal = journalOf(dir);
    const at = journal.findIndex((e) => e.type === 'session_resumed');
    expect(at).toBeGreaterThan(0);
    const after = journal.slice(at);
    expect(after.filter((e) => e.type === 'spawn')).toEqual([]);
    expect(after.filter((e) => e.type === 'failure')).toEqual([]);
    expect(after.filter((e) => e.type === 'reattach').map((e) => e.agent)).toEqual(['w02-research']);
    const results = journal.filter((e) => e.type === 'result');
    expect(results.map((e) => `${e.subtask}:${e.output}`).sort()).toEqual(['s1:QUICK-RESULT', 's2:LONG-RESULT']);
    // The workers' transcripts, mirrored here, hold each line once (a resumed mirror does not start over).
    for (const agent of ['w01-research', 'w02-research']) {
      const lines = fs.readFileSync(path.join(dir, 'agents', agent, 'transcript.jsonl'), 'utf8').split('\n').filter(Boolean);
      expect(new Set(lines).size, `${agent}'s mirrored transcript has duplicated lines`).toBe(lines.length);
    }
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });

  it('a mirror made by a resumed coordinator carries on after the lines its predecessor copied, instead of copying them again', async () => {
    const root = tempRuntime('mailroom-mirror-');
    dirs.push(root);
    const file = path.join(root, 'transcript.jsonl');
    const stream = `mailroom:20250101-000000-mirror:w01-research:transcript`;
    await client.del(stream);
    for (const l of ['one', 'two']) await client.xadd(stream, '*', 'line', l);
    await new StreamToFile(client, stream, file).poll();
    expect(fs.readFileSync(file, 'utf8')).toBe('one\ntwo\n');
    await client.xadd(stream, '*', 'line', 'three');
    // The coordinator was SIGKILLed; its successor makes a new mirror of the same file.
    await new StreamToFile(client, stream, file).poll();
    expect(fs.readFileSync(file, 'utf8')).toBe('one\ntwo\nthree\n');
  });
});
