/**
 * A redis-transport session leaves no timer behind: once runSession resolves, nothing of
 * the launcher keeps the coordinator's process alive (each spawn's wait for a host used to
 * leave a 60 s timer pending, so the CLI lingered a minute after every session).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSession } from '../../src/coordinator/api.js';
import { launcherFrom } from '../../src/cli/transport-options.js';
import { startCli, tempRuntime } from '../support/cli.js';
import { planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { hasRedisServer, useRedisServer } from '../support/redis.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe.skipIf(!hasRedisServer())('a redis-transport session ends clean', { timeout: 120_000 }, () => {
  const redis = useRedisServer();

  it('leaves no pending timer of its own once it resolved', async () => {
    const coordRt = tempRuntime('mailroom-exit-coord-');
    const hostRt = tempRuntime('mailroom-exit-host-');
    redis.dirs.push(coordRt, hostRt);
    const host = startCli(['worker-host', '--redis', redis.server.url, '--slots', '3', '--name', 'x1', '--runtime-dir', hostRt]);
    await waitFor(() => host.stderr().includes('worker host x1'), 60_000, 'the host to start');
    const plan = { subtasks: [1, 2, 3].map((i) => ({ id: `s${i}`, role: 'research' as const, description: `Part ${i}`, dependsOn: [] })), failurePolicy: 'all' as const };
    const agents: Record<string, unknown[]> = { coordinator: [planReply(plan), textReply('SYNTHESIS')] };
    for (const i of [1, 2, 3]) agents[`w0${i}-research`] = [textReply(`R${i}`)];
    const scriptFile = writeScript(coordRt, { agents: agents as never });
    const before = timers();
    const outcome = await runSession({
      task: 'three parts',
      provider: 'scripted',
      scriptFile,
      runtimeDir: coordRt,
      warm: 0,
      launcher: launcherFrom({ transport: 'redis', redis: redis.server.url }),
    });
    expect(outcome.status, outcome.reason).toBe('completed');
    expect(fs.existsSync(path.join(outcome.sessionDir, 'result.md'))).toBe(true);
    // Short-lived timers (a log flush, a last poll) end on their own within moments; with the
    // old deadline, one 60 s timer per spawn stayed pending, and this wait ran out.
    await waitFor(() => timers() <= before, 15_000, 'the session\'s timers to be gone');
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });
});
