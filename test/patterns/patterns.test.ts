/**
 * Every orchestration pattern, run through the real CLI with real worker processes: which
 * processes ran, which messages crossed the mailboxes, and the shape of the final output.
 */
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_PROJECT, onlySession, readJson, runCli, useTempRuntimes } from '../support/cli.js';
import { journalOf, textReply, toolReply, writeScript } from '../support/script.js';
import { agents, mailbox } from '../support/session-files.js';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';

const runtime = useTempRuntimes('mailroom-pattern-', { afterEach, afterAll });

describe('--pattern pipeline', () => {
  it('runs the stages in order, each receiving every earlier output, with no model deciding', async () => {
    const rt = runtime();
    const run = await runCli(['--runtime-dir', rt, '--source', SAMPLE_PROJECT, '--offline', '--pattern', 'pipeline', '--stages', 'research,writing,review', 'Find how errors are handled']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    expect(agents(dir)).toEqual(['coordinator', 'human', 'w01-research', 'w02-writing', 'w03-review']);
    const spawns = journalOf(dir).filter((e) => e.type === 'spawn');
    expect(spawns.map((e) => e.agent)).toEqual(['w01-research', 'w02-writing', 'w03-review']);
    // Strictly one after another.
    const results = journalOf(dir).filter((e) => e.type === 'result');
    expect(spawns[1]!.t).toBeGreaterThanOrEqual(results[0]!.t);
    expect(spawns[2]!.t).toBeGreaterThanOrEqual(results[1]!.t);
    // The review stage got both earlier outputs through its assign message.
    const assign = mailbox(dir, 'w03-review').find((m) => m.type === 'assign')!;
    expect((assign.body.inputs as Array<{ agent: string }>).map((i) => i.agent)).toEqual(['w01-research', 'w02-writing']);
    // A plain controller: the coordinator made no model call at all.
    const usage = readJson<{ agents: Record<string, { calls: number }> }>(path.join(dir, 'usage.json'));
    expect(usage.agents.coordinator?.calls ?? 0).toBe(0);
    expect(run.stdout).toMatch(/Review \(w03-review\):/);
    expect(run.stdout).toMatch(/_Pipeline: stage-1-research by w01-research -> stage-2-writing by w02-writing -> stage-3-review by w03-review_/);
  });
});

describe('--pattern debate', () => {
  it('runs the debaters in parallel on their own models and attributes agreement and disagreement', async () => {
    const rt = runtime();
    const script = writeScript(rt, {
      agents: {
        // Each answer takes a while, so "all three ran at once" does not hang on which
        // worker starts first (a warm spare is ready before the others are spawned).
        'w01-research': [textReply('Use retries with backoff.\nLog every error with its code.', 3000)],
        'w02-research': [textReply('Use retries with backoff.\nFail fast on bad input.', 3000)],
        'w03-research': [textReply('Log every error with its code.\nAdd circuit breakers.', 3000)],
        // The moderator is the real offline model: it compares what the debaters said.
        coordinator: [{ offline: true, repeat: true }],
      },
    });
    const run = await runCli(['--runtime-dir', rt, '--script', script, '--pattern', 'debate', '--debaters', '3', '--models', 'model-a,model-b,model-c', 'How should a service handle errors?']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    expect(agents(dir)).toEqual(['coordinator', 'human', 'w01-research', 'w02-research', 'w03-research']);
    // Each debater was told its own model, and all three ran at once.
    expect(mailbox(dir, 'w01-research').find((m) => m.type === 'assign')!.body.model).toBe('model-a');
    expect(readJson<{ model: string }>(path.join(dir, 'agents', 'w03-research', 'agent.json')).model).toBe('model-c');
    const j = journalOf(dir);
    const lastSpawn = Math.max(...j.filter((e) => e.type === 'spawn').map((e) => e.t));
    const firstResult = Math.min(...j.filter((e) => e.type === 'result').map((e) => e.t));
    expect(lastSpawn).toBeLessThanOrEqual(firstResult);
    const out = run.stdout;
    expect(out).toMatch(/## Agreed/);
    expect(out).toMatch(/Use retries with backoff\. — w01-research \(model-a\), w02-research \(model-b\)/);
    expect(out).toMatch(/Log every error with its code\. — w01-research \(model-a\), w03-research \(model-c\)/);
    expect(out).toMatch(/## Disagreed/);
    expect(out).toMatch(/Only w02-research \(model-b\) says:\n\s+- Fail fast on bad input\./);
    expect(out).toMatch(/Only w03-research \(model-c\) says:\n\s+- Add circuit breakers\./);
  });
});

describe('--pattern reflect', () => {
  it('sends feedback back to the same producer until the reviewer accepts, visible in both mailboxes', async () => {
    const rt = runtime();
    const review = (score: number, feedback: string) =>
      toolReply('submit_review', { score, summary: `score ${score}`, criteria: [{ name: 'depth', score, feedback }] });
    const script = writeScript(rt, {
      agents: {
        'w01-writing': [textReply('DRAFT ONE'), textReply('DRAFT TWO, with the examples added')],
        'w02-review': [review(0.4, 'Add concrete examples.'), textReply('reviewed round 1'), review(0.9, 'Good.'), textReply('reviewed round 2')],
      },
    });
    const run = await runCli(['--runtime-dir', rt, '--script', script, '--pattern', 'reflect', '--threshold', '0.8', 'Write a note on error handling']);
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    expect(agents(dir)).toEqual(['coordinator', 'human', 'w01-writing', 'w02-review']);
    // One producer process and one reviewer process for the whole loop.
    expect(journalOf(dir).filter((e) => e.type === 'spawn')).toHaveLength(2);
    const producer = mailbox(dir, 'w01-writing').map((m) => m.type);
    const reviewer = mailbox(dir, 'w02-review').map((m) => m.type);
    expect(producer).toEqual(['assign', 'message', 'shutdown']);
    expect(reviewer).toEqual(['assign', 'message', 'shutdown']);
    expect(String(mailbox(dir, 'w01-writing')[1]!.body.text)).toContain('Add concrete examples.');
    expect(String(mailbox(dir, 'w02-review')[1]!.body.text)).toContain('DRAFT TWO');
    // The coordinator got two drafts and two reviews.
    const results = mailbox(dir, 'coordinator').filter((m) => m.type === 'result').map((m) => `${m.from}#${m.body.round as number}`);
    expect(results).toEqual(['w01-writing#1', 'w02-review#1', 'w01-writing#2', 'w02-review#2']);
    expect(run.stdout).toContain('DRAFT TWO');
    expect(run.stdout).toMatch(/Accepted after 2 round\(s\): review score 0\.9/);
  });

  it('ends needs_human (exit 3) with the last review when the threshold is never reached', async () => {
    const rt = runtime();
    const run = await runCli(['--runtime-dir', rt, '--source', SAMPLE_PROJECT, '--offline', '--pattern', 'reflect', '--max-rounds', '2', '--no-human', 'Write a short note on error handling']);
    expect(run.code, run.stderr).toBe(3);
    const dir = onlySession(rt);
    const session = readJson<{ status: string; reason: string; review: { score: number } }>(path.join(dir, 'session.json'));
    expect(session.status).toBe('needs_human');
    expect(session.reason).toMatch(/stayed below 0\.85 after 2 round/);
    expect(typeof session.review.score).toBe('number');
    expect(run.stderr).toMatch(/needs_human/);
    expect(mailbox(dir, 'w01-writing').filter((m) => m.type === 'message')).toHaveLength(1);
    expect(mailbox(dir, 'w02-review').filter((m) => m.type === 'message')).toHaveLength(1);
    expect([...findWorkerProcesses(dir).keys()]).toEqual([]);
  });
});

