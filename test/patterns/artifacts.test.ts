/**
 * Shared artifacts: workers store and read them by name through their tools, the index
 * survives concurrent writers, and large outputs reach dependents by reference.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../../src/artifacts/store.js';
import { runSession } from '../../src/index.js';
import { onlySession, readJson, readJsonl, runCli, useTempRuntimes } from '../support/cli.js';
import { journalOf, planReply, textReply, writeScript } from '../support/script.js';
import { mailbox } from '../support/session-files.js';

const runtime = useTempRuntimes('mailroom-artifacts-', { afterEach, afterAll });

const PLAN = planReply({
  subtasks: [
    { id: 'left', role: 'research', description: 'Store the left half' },
    { id: 'right', role: 'analysis', description: 'Store the right half' },
    { id: 'join', role: 'writing', description: 'Join both halves', dependsOn: ['left', 'right'] },
  ],
  failurePolicy: 'all',
});

describe('shared artifacts', () => {
  it('two workers store artifacts at the same time and a third reads both', async () => {
    const rt = runtime();
    // Each store waits a second on the model first: both workers are spawned long before
    // either reports, even when one of them is a warm spare that starts at once (without
    // the wait, the spare's worker could report before the other's spawn was journaled).
    const store = (name: string, content: string) => ({
      delayMs: 1000,
      response: { content: [{ type: 'tool_use', id: `toolu_${name}`, name: 'store_artifact', input: { name, content, description: `half ${name}` } }], stop_reason: 'tool_use' },
    });
    const script = writeScript(rt, {
      agents: {
        coordinator: [PLAN, textReply('JOINED')],
        'w01-research': [store('left.md', 'LEFT-CONTENT'), textReply('stored left')],
        'w02-analysis': [store('right.md', 'RIGHT-CONTENT'), textReply('stored right')],
        'w03-writing': [
          {
            response: {
              content: [
                { type: 'tool_use', id: 'toolu_get_l', name: 'get_artifact', input: { name: 'left.md' } },
                { type: 'tool_use', id: 'toolu_get_r', name: 'get_artifact', input: { name: 'right.md' } },
              ],
              stop_reason: 'tool_use',
            },
          },
          textReply('joined both'),
        ],
      },
    });
    const run = await runCli(['--runtime-dir', rt, '--script', script, '--no-live', 'task']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    const j = journalOf(dir);
    // The two storing workers overlapped.
    const spawnL = j.find((e) => e.type === 'spawn' && e.agent === 'w01-research')!.t;
    const spawnR = j.find((e) => e.type === 'spawn' && e.agent === 'w02-analysis')!.t;
    const firstResult = Math.min(...j.filter((e) => e.type === 'result' && e.agent !== 'w03-writing').map((e) => e.t));
    expect(Math.max(spawnL, spawnR)).toBeLessThanOrEqual(firstResult);
    const index = readJson<Record<string, { storedBy: string; bytes: number }>>(path.join(dir, 'artifacts', 'index.json'));
    expect(index['left.md']).toMatchObject({ storedBy: 'w01-research', bytes: 12 });
    expect(index['right.md']).toMatchObject({ storedBy: 'w02-analysis', bytes: 13 });
    // The reader's tool results (its next model request) hold both contents.
    const lines = readJsonl<{ kind: string; message?: { role: string; content: unknown } }>(path.join(dir, 'agents', 'w03-writing', 'transcript.jsonl'));
    const results = JSON.stringify(lines.filter((l) => l.kind === 'message' && l.message!.role === 'user'));
    expect(results).toContain('LEFT-CONTENT');
    expect(results).toContain('RIGHT-CONTENT');
  });

  it('keeps every entry of the index when many processes store at once (locked index)', async () => {
    const rt = runtime();
    const sessionDir = path.join(rt, 'session');
    fs.mkdirSync(path.join(sessionDir, 'artifacts'), { recursive: true });
    const script = path.resolve(__dirname, '../support/artifact-writer.ts');
    const procs = ['a', 'b', 'c', 'd'].map(
      (p) =>
        new Promise<number | null>((resolve) => {
          const c = spawn(process.execPath, ['--import', 'tsx', script, sessionDir, p, '25'], { stdio: 'inherit' });
          c.on('exit', resolve);
        }),
    );
    expect(await Promise.all(procs)).toEqual([0, 0, 0, 0]);
    const list = await new ArtifactStore(sessionDir).list();
    expect(list).toHaveLength(100);
    expect((await new ArtifactStore(sessionDir).get('c-24.txt')).content).toBe('c 24');
  });

  it('expires an artifact after its TTL', async () => {
    const rt = runtime();
    const store = new ArtifactStore(rt);
    // Long enough that the read right after the put is inside it on a loaded machine (50 ms was not).
    const stored = Date.now();
    await store.put('short.txt', 'x', 'test', { ttlMs: 1500 });
    expect((await store.get('short.txt')).content).toBe('x');
    await new Promise((r) => setTimeout(r, Math.max(0, stored + 1600 - Date.now())));
    await expect(store.get('short.txt')).rejects.toThrow(/expired/);
  });

  it('passes a large output to its dependent as an artifact reference', async () => {
    const rt = runtime();
    const big = 'BIG-OUTPUT '.repeat(200);
    const script = writeScript(rt, {
      agents: {
        coordinator: [
          planReply({ subtasks: [{ id: 'big', role: 'research', description: 'Make a big output' }, { id: 'use', role: 'writing', description: 'Use it', dependsOn: ['big'] }], failurePolicy: 'all' }),
          textReply('DONE'),
        ],
        'w01-research': [textReply(big)],
        'w02-writing': [textReply('used it')],
      },
    });
    const outcome = await runSession({ task: 'task', provider: 'scripted', scriptFile: script, runtimeDir: rt, inlineOutputChars: 500, liveCoordination: false });
    expect(outcome.status).toBe('completed');
    const assign = mailbox(outcome.sessionDir, 'w02-writing').find((m) => m.type === 'assign')!;
    const input = (assign.body.inputs as Array<{ output: string }>)[0]!.output;
    expect(input).toMatch(/stored as the artifact "output-big\.md"/);
    expect(input.length).toBeLessThan(big.length);
    expect(fs.readFileSync(path.join(outcome.sessionDir, 'artifacts', 'output-big.md'), 'utf8')).toBe(big);
  });
});
