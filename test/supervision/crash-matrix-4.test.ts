/**
 * The crash matrix, continued: reflect with its coordinator killed mid-loop continues the
 * round it was in, and ends `completed` or `needs_human` exactly as a clean run does, with
 * every model call made once.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Script } from '../../src/model/scripted.js';
import { killStartedClis, readJson, runCli } from '../support/cli.js';
import { CRASH_FAST, cleanUpCrashRuns, killAndResume, prepare } from '../support/crash-resume.js';
import { callsByAgent, journalOf, textReply, toolReply } from '../support/script.js';

afterEach(() => {
  killStartedClis();
  cleanUpCrashRuns();
});

const results = (dir: string) => journalOf(dir).filter((e) => e.type === 'result');
const review = (score: number) => toolReply('submit_review', { score, summary: `score ${score}`, criteria: [{ name: 'depth', score, feedback: 'Add examples.' }] });
const reflectScript = (second: number): Script['agents'] => ({
  'w01-writing': [textReply('DRAFT ONE'), textReply('DRAFT TWO', 1000)],
  // A valid submit_review is the reviewer's structured output: it ends that round's loop.
  'w02-review': [review(0.4), review(second)],
});

describe('crash matrix: reflect killed mid-loop', () => {
  for (const [n, second, status, code] of [
    ['10', 0.9, 'completed', 0],
    ['11', 0.5, 'needs_human', 3],
  ] as const) {
    it(`${n}. continues its round and ends ${status} as a clean run does`, { timeout: 150_000 }, async () => {
      const args = ['--pattern', 'reflect', '--threshold', '0.8', '--max-rounds', '2', '--no-human', 'reflect task'];
      // The clean run, for comparison, side by side with the crashed one.
      const clean = prepare(reflectScript(second));
      const [cleanRun, r] = await Promise.all([
        runCli(['--runtime-dir', clean.runtime, '--script', clean.script, ...CRASH_FAST, ...args]),
        // Killed once the first review is in: the producer has feedback to act on.
        killAndResume(reflectScript(second), args, (dir) => results(dir).some((e) => e.subtask === 'review')),
      ]);
      clean.watch.stop();
      expect(cleanRun.code, cleanRun.stderr).toBe(code);
      expect(r.resumed.code, r.resumed.stderr).toBe(code);
      expect(readJson<{ status: string }>(path.join(r.dir, 'session.json')).status).toBe(status);
      expect(r.resumed.stdout).toContain('DRAFT TWO');
      // Every model call made once: two drafts, two reviews (each one submit_review call).
      expect(r.calls).toMatchObject({ 'w01-writing': 2, 'w02-review': 2 });
      expect(r.calls).toEqual(callsByAgent(clean.script));
      expect(r.watch.live()).toEqual([]);
    });
  }
});
