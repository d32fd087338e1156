/**
 * An agent definition's own `model` is the model its worker runs on, so its usage is
 * priced by that model: live, and again after a coordinator crash and `--resume` (which
 * rebuilds the ledger from the journal's spawn events).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStartedClis, onlySession, readJson, runCli, tempRuntime } from '../support/cli.js';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { fakeEnv, planReply, routeSession, textReply } from './helpers.js';

type UsageFile = { agents: Record<string, { model: string; usage: { input_tokens: number }; costUsd?: number }> };

const AGENT_MODEL = 'claude-pricey-test';
const WORKER_MODEL = 'claude-worker-test';

describe("an agent's own model prices its usage", () => {
  let server: FakeAnthropicServer;
  const made: string[] = [];
  beforeAll(async () => {
    server = await FakeAnthropicServer.start();
  });
  afterAll(async () => {
    killStartedClis();
    await server.close();
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });

  it('live and after a crash and --resume', async () => {
    const source = tempRuntime('mailroom-pricey-src-');
    const runtime = tempRuntime('mailroom-pricey-rt-');
    const home = tempRuntime('mailroom-pricey-home-');
    made.push(source, runtime, home);
    fs.mkdirSync(path.join(source, '.mailroom', 'agents'), { recursive: true });
    fs.writeFileSync(
      path.join(source, '.mailroom', 'agents', 'pricey.md'),
      ['---', 'name: pricey', 'description: Answers from what it knows.', 'tools: read_file', `model: ${AGENT_MODEL}`, '---', 'You answer briefly.', ''].join('\n'),
    );
    const prices = path.join(runtime, 'prices.json');
    // $1 per input token on the agent's model, nothing on the session's worker model.
    fs.writeFileSync(prices, JSON.stringify({ [AGENT_MODEL]: { input: 1_000_000, output: 0 }, [WORKER_MODEL]: { input: 0, output: 0 } }));
    routeSession(server, {
      plan: [
        planReply([
          { id: 'first', role: 'pricey' as never, description: 'Say one thing' },
          { id: 'second', role: 'research', description: 'Say another thing', dependsOn: ['first'] },
        ], 'all'),
      ],
      synthesis: [textReply('DONE')],
      workers: {
        'w01-pricey': [textReply('ONE', { usage: { input_tokens: 321, output_tokens: 5 } })],
        'w02-research': [textReply('TWO', { usage: { input_tokens: 40, output_tokens: 5 } })],
      },
    });
    const env = fakeEnv(server, { MAILROOM_PRICES: prices, MAILROOM_WORKER_MODEL: WORKER_MODEL, HOME: home });
    const args = ['--runtime-dir', runtime, '--source', source, '--no-live'];
    const first = await runCli([...args, 'price by the agent model'], { env: { ...env, MAILROOM_CRASH_AT: 'after-first-result' } });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const dir = onlySession(runtime);
    expect(readJson<UsageFile>(path.join(dir, 'usage.json')).agents['w01-pricey']).toMatchObject({ model: AGENT_MODEL, costUsd: 321 });

    const resumed = await runCli([...args, '--resume', path.basename(dir)], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    const usage = readJson<UsageFile>(path.join(dir, 'usage.json'));
    expect(usage.agents['w01-pricey']).toMatchObject({ model: AGENT_MODEL, usage: { input_tokens: 321 }, costUsd: 321 });
    expect(usage.agents['w02-research']).toMatchObject({ model: WORKER_MODEL, costUsd: 0 });
    // The request itself went to the agent's model.
    expect(server.requests.filter((r) => r.agent === 'w01-pricey').map((r) => r.body?.model)).toEqual([AGENT_MODEL]);
  });
});
