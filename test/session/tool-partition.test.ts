/**
 * Tool partitioning, end to end: a worker whose model asks for a tool outside its role's set
 * gets a tool error back, the tool does not run, and the worker carries on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killStartedClis, onlySession, readJsonl, runCli, tempRuntime } from '../support/cli.js';
import { planReply, textReply, toolReply, writeScript } from '../support/script.js';

const runtime = tempRuntime('mailroom-partition-');
afterEach(() => killStartedClis());
afterAll(() => fs.rmSync(runtime, { recursive: true, force: true }));

describe('tool partitioning in a worker process', () => {
  it("refuses a tool outside the worker's role, without running it", async () => {
    const script = writeScript(runtime, {
      agents: {
        coordinator: [planReply({ subtasks: [{ id: 'look', role: 'research', description: 'Look around' }], failurePolicy: 'all' }), textReply('DONE')],
        // A research worker tries a writing tool, then a coordination tool, then answers.
        'w01-research': [
          toolReply('write_file', { path: 'pwned.md', content: 'should never be written' }),
          toolReply('terminate_worker', { agent: 'w01-research', reason: 'x' }),
          textReply('gave up on writing'),
        ],
      },
    });
    const run = await runCli(['--runtime-dir', runtime, '--script', script, '--no-live', 'task']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(runtime);
    const lines = readJsonl<{ kind: string; tools?: string[]; message?: { role: string; content: unknown } }>(path.join(dir, 'agents', 'w01-research', 'transcript.jsonl'));
    // Only research tools were loaded in that process.
    expect(lines[0]!.tools).not.toContain('write_file');
    expect(lines[0]!.tools).toContain('search_files');
    const results = lines
      .filter((l) => l.kind === 'message' && l.message!.role === 'user' && Array.isArray(l.message!.content))
      .flatMap((l) => l.message!.content as Array<{ type: string; content: string; is_error?: boolean }>)
      .filter((b) => b.type === 'tool_result');
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ is_error: true });
    expect(results[0]!.content).toMatch(/tool "write_file" is not available to the research role/);
    expect(results[1]).toMatchObject({ is_error: true });
    expect(results[1]!.content).toMatch(/tool "terminate_worker" is not available to the research role/);
    // And the tool did not run: nothing was written anywhere in the session.
    expect(fs.readdirSync(path.join(dir, 'workspace'))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'pwned.md'))).toBe(false);
  });
});
