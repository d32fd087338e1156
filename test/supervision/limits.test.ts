/** Per-worker turn and token limits: a runaway worker is stopped, and not retried. */
import { describe, expect, it } from 'vitest';
import { onlySession, runCli } from '../support/cli.js';
import { journalOf, planReply, textReply, toolReply } from '../support/script.js';
import { TWO_INDEPENDENT, cleanUpAfterEach, runtimeWithScript } from '../support/supervision-fixture.js';

cleanUpAfterEach();

describe('worker limits', () => {
  it('stops a worker that loops past its turn limit, and a worker over its token limit', async () => {
    const env = runtimeWithScript({
      coordinator: [planReply(TWO_INDEPENDENT), textReply('DONE WITH GAPS')],
      // Keeps calling a tool forever.
      'w01-research': [{ ...toolReply('list_artifacts', {}), repeat: true }],
      // One turn that spends more tokens than allowed.
      'w02-research': [{ response: { content: [{ type: 'text', text: 'expensive' }], stop_reason: 'end_turn', usage: { input_tokens: 9000, output_tokens: 2000 } } }],
    });
    const run = await runCli(['--runtime-dir', env.runtime, '--script', env.script, '--no-live', '--max-turns', '3', '--max-tokens', '10000', 'task']);
    const dir = onlySession(env.runtime);
    // Both failed for good (a limit is not worth a retry), so the session fails.
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/AllWorkersFailed/);
    const failures = journalOf(dir).filter((e) => e.type === 'failure');
    expect(failures.find((e) => e.agent === 'w01-research')).toMatchObject({ code: 'E_LIMIT', final: true });
    expect(String(failures.find((e) => e.agent === 'w01-research')!.error)).toMatch(/turn limit reached \(3 turns\)/);
    expect(failures.find((e) => e.agent === 'w02-research')).toMatchObject({ code: 'E_LIMIT', final: true });
    expect(String(failures.find((e) => e.agent === 'w02-research')!.error)).toMatch(/token limit.*11000 of 10000 tokens/);
    expect(journalOf(dir).filter((e) => e.type === 'spawn')).toHaveLength(2);
    expect(env.watch.live()).toEqual([]);
  });
});
