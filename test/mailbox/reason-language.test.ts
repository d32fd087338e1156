/**
 * A dead-lettered file's reason names the problem in words, in a process that has loaded
 * only the mailbox and its contracts. The contracts are written in zod/mini, which sets no
 * language for its messages ("Invalid input" and nothing more) unless told, and a worker
 * checks its first envelopes before anything loads zod's classic API (which would set
 * English). This test's own process has the classic API loaded, so the check runs in a
 * fresh one.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TSX = fileURLToPath(import.meta.resolve('tsx'));
const CHECK = fileURLToPath(new URL('../../src/mailbox/envelope-check.ts', import.meta.url));

const SCRIPT = `
const { checkEnvelopeText } = await import(${JSON.stringify(CHECK)});
const bad = { v: 1, id: 'a1', session: 's1', from: 'w01-research', to: 'coordinator', seq: 0, sentAt: 1, type: 'progress', body: { subtask: 's1', turn: 1, usage: { input_tokens: 1, output_tokens: 'many' } } };
const r = checkEnvelopeText(JSON.stringify(bad), { sessionId: 's1', agentId: 'coordinator', maxBytes: 1 << 20 });
process.stdout.write(JSON.stringify({ result: r }));
`;

describe('a dead-letter reason from a process with only the mailbox loaded', () => {
  it('says what was expected and what was found', () => {
    const out = execFileSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
    const { result } = JSON.parse(out) as { result: { ok: boolean; reason?: string } };
    expect(result.ok).toBe(false);
    expect(result.reason).toContain('body.usage.output_tokens');
    expect(result.reason).toContain('expected number, received string');
  });
});
