/**
 * Usage, cost and budgets with real sessions (scripted model, real worker processes): a
 * user price table changes the cost recorded in usage.json and shown by `sessions` and
 * `show`; a token budget stops a session mid-way, leaves no process behind, and keeps
 * the results it already had.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli as runCliInProcess } from '../../src/cli/program.js';
import { killStartedClis, onlySession, readJson, runCli, startCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, waitFor, writeScript } from '../support/script.js';
import { WorkerWatch } from '../support/watch-workers.js';

type UsageFile = {
  total: { input_tokens: number; output_tokens: number; calls: number };
  costUsd?: number;
  costIncomplete: boolean;
  agents: Record<string, { model: string; usage: { input_tokens: number; output_tokens: number }; costUsd?: number }>;
};

async function mailroom(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCliInProcess(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  killStartedClis();
  for (const c of cleanups.splice(0)) c();
});

function runtime(prefix: string): string {
  const dir = tempRuntime(prefix);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('cost from a user price table', () => {
  it('MAILROOM_PRICES prices the scripted model: $1 per input token makes costUsd equal the input tokens', async () => {
    const rt = runtime('mailroom-prices-');
    const prices = path.join(rt, 'prices.json');
    fs.writeFileSync(prices, JSON.stringify({ scripted: { input: 1_000_000, output: 0 } }));
    const script = writeScript(rt, {
      agents: {
        coordinator: [planReply({ subtasks: [{ id: 'only', role: 'research', description: 'Do it', dependsOn: [] }], failurePolicy: 'all' }), textReply('ANSWER')],
        'w01-research': [{ response: { content: [{ type: 'text', text: 'FOUND' }], stop_reason: 'end_turn', usage: { input_tokens: 1234, output_tokens: 99 } } }],
      },
    });
    const r = await runCli(['--runtime-dir', rt, '--script', script, 'price me'], { env: { MAILROOM_PRICES: prices } });
    expect(r.code, r.stderr).toBe(0);
    const dir = onlySession(rt);
    const usage = readJson<UsageFile>(path.join(dir, 'usage.json'));
    expect(usage.agents['w01-research']).toMatchObject({ model: 'scripted', usage: { input_tokens: 1234, output_tokens: 99 }, costUsd: 1234 });
    for (const [agent, a] of Object.entries(usage.agents)) expect(a.costUsd, agent).toBe(a.usage.input_tokens);
    expect(usage.costUsd).toBe(usage.total.input_tokens);
    expect(usage.total.input_tokens).toBe(1234 + 10 + 10); // plus the coordinator's plan and synthesis calls
    expect(usage.costIncomplete).toBe(false);
    // The CLI's summary line says it too.
    expect(r.stderr).toContain(`$${usage.costUsd}`);

    // `sessions` and `show` display the cost.
    const list = await mailroom('sessions', '--runtime-dir', rt);
    expect(list.out.trim().split('\n')[1]!.split(/\s{2,}/)[5]).toBe('$1254.00');
    const show = await mailroom('show', 'latest', '--runtime-dir', rt);
    expect(show.out).toMatch(/^usage\s+.*, cost \$1254\.00$/m);
    expect(show.out).toMatch(/^└─ w01-research\s.*\s1,333\s+\$1234\.00$/m);
    expect(show.out).toMatch(/^coordinator\s.*\s\$20\.00$/m);
  });
});

describe('budgets', () => {
  it('--budget-tokens stops a session mid-way: failed, "budget exhausted", exit 1, no orphans, partial results kept', async () => {
    const rt = runtime('mailroom-budget-');
    let sessionDir: string | undefined;
    const watch = new WorkerWatch(() => sessionDir).start();
    cleanups.push(() => watch.stop());
    const script = writeScript(rt, {
      agents: {
        coordinator: [
          planReply({
            subtasks: [
              { id: 'slow', role: 'research', description: 'The slow one', dependsOn: [] },
              { id: 'quick', role: 'research', description: 'The quick one', dependsOn: [] },
            ],
            failurePolicy: 'best-effort',
          }),
          textReply('SYNTHESIS'),
        ],
        'w01-research': [textReply('SLOW', 60_000)],
        // One turn of 500 tokens: over the 300-token budget on its own.
        'w02-research': [{ response: { content: [{ type: 'text', text: 'QUICK RESULT' }], stop_reason: 'end_turn', usage: { input_tokens: 400, output_tokens: 100 } } }],
      },
    });
    const t0 = Date.now();
    const run = startCli(['--runtime-dir', rt, '--script', script, '--budget-tokens', '300', '--shutdown-grace-ms', '2000', 'spend too much']);
    // The watch samples the session's worker processes while it runs.
    sessionDir = await waitFor(() => fs.existsSync(path.join(rt, 'sessions')) && fs.readdirSync(path.join(rt, 'sessions')).length === 1 && onlySession(rt), 30_000, 'the session dir');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(1);
    // Stopped by the budget, long before the slow worker's 60 s answer.
    expect(Date.now() - t0).toBeLessThan(55_000);

    const session = readJson<{ status: string; reason?: string }>(path.join(sessionDir, 'session.json'));
    expect(session.status).toBe('failed');
    expect(session.reason).toMatch(/budget exhausted/);
    expect(r.stderr).toMatch(/budget exhausted: \d+ tokens used of a 300-token budget/);

    // The quick worker's result is kept in the journal; the slow one never produced one.
    const journal = journalOf(sessionDir);
    expect(journal.find((e) => e.type === 'result' && e.agent === 'w02-research')).toMatchObject({ output: 'QUICK RESULT' });
    expect(journal.find((e) => e.type === 'result' && e.agent === 'w01-research')).toBeUndefined();
    expect(journal.at(-1)).toMatchObject({ type: 'session_ended', status: 'failed' });

    // No orphans: every worker process is gone.
    expect(watch.seen.get('w01-research')?.size ?? 0).toBeGreaterThan(0);
    expect(watch.live()).toEqual([]);

    // `show` tells the story: failed for the budget, the quick result, the slow one stopped.
    const show = await mailroom('show', path.basename(sessionDir), '--runtime-dir', rt);
    expect(show.out).toMatch(/^session\s+\S+\s+failed: budget exhausted/m);
    expect(show.out).toMatch(/^w02-research\s+quick: The quick one\n\s+result: QUICK RESULT$/m);
    expect(show.out).not.toMatch(/^w01-research.*\n\s+result:/m);
  });
});
