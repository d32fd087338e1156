/** Bad --transport / --redis values and a worker host without Redis: exit 2, naming the option. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, tempRuntime } from '../support/cli.js';

describe('redis CLI options', { timeout: 240_000 }, () => {
  it('refuses a bad transport, a missing or bad --redis, and a worker host without Redis', async () => {
    const rt = tempRuntime('mailroom-cliopt-');
    const env = { MAILROOM_REDIS_URL: '' };
    const cases: Array<[string[], RegExp]> = [
      [['--runtime-dir', rt, '--offline', '--transport', 'carrier-pigeon', 'task'], /--transport: expected fs or redis/],
      [['--runtime-dir', rt, '--offline', '--transport', 'redis', 'task'], /--transport redis needs --redis/],
      [['--runtime-dir', rt, '--offline', '--transport', 'redis', '--redis', 'http://10.0.0.5:6379', 'task'], /--redis: .*scheme must be redis:\/\/, rediss:\/\/ or unix:\/\//],
      [['worker-host', '--runtime-dir', rt], /worker-host needs --redis/],
      [['worker-host', '--redis', 'redis://127.0.0.1:1', '--slots', '0'], /--slots must be a whole number/],
    ];
    const runs = await Promise.all(cases.map(([args]) => runCli(args, { env }))).finally(() => fs.rmSync(rt, { recursive: true, force: true }));
    cases.forEach(([args, message], i) => {
      expect(runs[i]!.code, `${args.join(' ')}\n${runs[i]!.stderr}`).toBe(2);
      expect(runs[i]!.stderr).toMatch(message);
    });
  });
});
