/**
 * The crash matrix, continued: a worker stopped for a missing heartbeat just before the
 * coordinator dies, and the pipeline, debate and route patterns with their coordinator
 * killed mid-run (reflect: crash-matrix-4). The resumed session ends as a clean one does, and no
 * finished subtask's model call is repeated (the scripted provider's calls log shows it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_PROJECT, killStartedClis, readJson, runCli, startCli } from '../support/cli.js';
import { callsByAgent, journalOf, planReply, textReply, toolReply, waitFor } from '../support/script.js';
import { CRASH_FAST, cleanUpCrashRuns, killAndResume, prepare } from '../support/crash-resume.js';

afterEach(() => {
  killStartedClis();
  cleanUpCrashRuns();
});

const results = (dir: string) => journalOf(dir).filter((e) => e.type === 'result');

describe('crash matrix: a worker stopped for a missing heartbeat, then the coordinator dies', () => {
  it('6. the resumed attempt continues from the transcript, as the live run would have', { timeout: 150_000 }, async () => {
    const p = prepare({
      coordinator: [planReply({ subtasks: [{ id: 'alpha', role: 'research', description: 'Research alpha' }] }), { ...textReply('FINAL ANSWER'), repeat: true }],
      // Turn 1 runs a tool; turn 2 is slow, and the worker is frozen (SIGSTOP) inside it.
      'w01-research': [toolReply('search_files', { query: 'error' }), textReply('never', 8000), textReply('ALPHA-OUTPUT')],
    });
    // The coordinator kills itself right after journaling the heartbeat failure.
    const first = startCli(['--runtime-dir', p.runtime, '--script', p.script, '--source', SAMPLE_PROJECT, ...CRASH_FAST, '--shutdown-grace-ms', '500', '--term-grace-ms', '500', 'heartbeat task'], {
      env: { MAILROOM_CRASH_AT: 'after-failure' },
    });
    const dir = await p.sessionDir();
    const transcriptFile = path.join(dir, 'agents', 'w01-research', 'transcript.jsonl');
    // Frozen once its second (slow) model call is under way: the calls log has it.
    await waitFor(() => (callsByAgent(p.script)['w01-research'] ?? 0) >= 2, 60_000, 'the second model call');
    const pid = journalOf(dir).find((e) => e.type === 'spawn')!.pid as number;
    process.kill(pid, 'SIGSTOP');
    const crashed = await first.done;
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    expect(journalOf(dir).find((e) => e.type === 'failure')).toMatchObject({ code: 'E_NO_HEARTBEAT', final: false });
    const resumed = await runCli(['--runtime-dir', p.runtime, '--resume', 'latest']);
    p.watch.stop();
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('FINAL ANSWER');
    const transcript = fs.readFileSync(transcriptFile, 'utf8');
    expect(transcript).toMatch(/attempt 2 continues from 3 earlier message\(s\)/);
    // The tool turn was not run again: one search, three calls (tool, frozen, answer).
    expect(transcript.match(/"type":"tool_result"/g)).toHaveLength(1);
    expect(callsByAgent(p.script)['w01-research']).toBe(3);
    expect(p.watch.live()).toEqual([]);
  });
});

describe('crash matrix: each pattern killed mid-run', () => {
  it('7. pipeline, killed after its first stage: the finished stage is not run again', { timeout: 150_000 }, async () => {
    const r = await killAndResume(
      { 'w01-research': [textReply('STAGE-1')], 'w02-writing': [textReply('STAGE-2', 1500)], 'w03-review': [toolReply('submit_review', { score: 0.9, summary: 'STAGE-3', criteria: [{ name: 'depth', score: 0.9, feedback: 'fine' }] })] },
      ['--pattern', 'pipeline', '--stages', 'research,writing,review', 'pipeline task'],
      (dir) => results(dir).length >= 1,
    );
    expect(r.resumed.code, r.resumed.stderr).toBe(0);
    expect(readJson<{ status: string }>(path.join(r.dir, 'session.json')).status).toBe('completed');
    expect(r.calls).toMatchObject({ 'w01-research': 1, 'w02-writing': 1, 'w03-review': 1 });
    expect(results(r.dir).map((e) => e.subtask)).toHaveLength(3);
    expect(r.watch.maxConcurrent).toBeLessThanOrEqual(1);
  });

  it('8. debate, killed with some debaters done: their answers are reused', { timeout: 150_000 }, async () => {
    const r = await killAndResume(
      {
        'w01-research': [textReply('Retries.\nLogging.')],
        'w02-research': [textReply('Retries.\nFail fast.')],
        'w03-research': [textReply('Logging.\nBreakers.', 2500)],
        coordinator: [{ offline: true, repeat: true }],
      },
      ['--pattern', 'debate', '--debaters', '3', 'debate task'],
      (dir) => results(dir).length >= 2,
    );
    expect(r.resumed.code, r.resumed.stderr).toBe(0);
    expect(r.resumed.stdout).toMatch(/## Agreed/);
    expect(r.calls).toMatchObject({ 'w01-research': 1, 'w02-research': 1, 'w03-research': 1 });
    expect(r.watch.maxConcurrent).toBeLessThanOrEqual(1);
  });

  it('9. route, killed after the routing decision: the router is not asked again', { timeout: 150_000 }, async () => {
    const r = await killAndResume(
      {
        coordinator: [textReply('{"category": "analysis", "reason": "numbers"}')],
        'w01-analysis': [textReply('ANALYSIS-OUTPUT', 1500)],
      },
      ['--pattern', 'route', 'route task'],
      (dir) => journalOf(dir).some((e) => e.type === 'started'),
    );
    expect(r.resumed.code, r.resumed.stderr).toBe(0);
    expect(r.resumed.stdout).toContain('ANALYSIS-OUTPUT');
    expect(r.calls).toMatchObject({ coordinator: 1, 'w01-analysis': 1 });
  });
});
