/**
 * The layering stays true: dependency-cruiser checks src/ against .dependency-cruiser.cjs
 * (no cycles between files or folders; src/contracts/ depends on nothing but errors).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const run = promisify(execFile);

describe('layering', () => {
  it('has no file or folder cycles, and contracts/ imports nothing of the project', async () => {
    const bin = path.join(REPO_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
    const { stdout } = await run(process.execPath, [bin, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
    );
    const report = JSON.parse(stdout) as { summary: { error: number; totalCruised: number; violations: Array<{ rule: { name: string }; from: string; to: string }> } };
    expect(report.summary.totalCruised).toBeGreaterThan(100);
    expect(report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });
});
