/**
 * The README's "Your own agents and tools" example, run as written (in a scratch folder of
 * this checkout, as it says): it must work offline and reach its finding.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT, tempRuntime } from '../support/cli.js';

const scratch = fs.mkdtempSync(path.join(REPO_ROOT, 'test', '.readme-demo-'));
const runtime = tempRuntime('mailroom-readme-rt-');
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(runtime, { recursive: true, force: true });
});

it('runs the README example offline', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Your own agents and tools'));
  const script = /```sh\n([\s\S]*?)\n```/.exec(section)![1]!;
  expect(script).toContain('npm start -- --offline');
  const run = spawnSync('bash', ['-e', '-c', script], {
    cwd: scratch,
    env: { ...process.env, ANTHROPIC_API_KEY: '', MAILROOM_RUNTIME_DIR: runtime, HOME: scratch },
    encoding: 'utf8',
    timeout: 150_000,
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^security-reviewer {2}\(project: /m);
  expect(run.stderr).toContain('[security-reviewer]');
  expect(run.stdout).toContain('src/orders.js:2: return db.query("SELECT * FROM orders WHERE id = " + id);');
}, 180_000);
