/**
 * The live view in a real pseudo-terminal: the CLI runs under util-linux `script`, whose
 * pty makes stderr a TTY, with a session whose three workers finish out of plan order.
 * The captured byte stream is replayed through a small terminal emulator, and the final
 * screen must show every agent exactly once with its final status. Off a terminal, the
 * same CLI prints plain lines and `--json` prints one parsable object.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ENTRY, REPO_ROOT, killStartedClis, onlySession, readJson, runCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, writeScript } from '../support/script.js';
import { WorkerWatch } from '../support/watch-workers.js';
import { VirtualTerminal } from './vt.js';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  killStartedClis();
  for (const c of cleanups.splice(0)) c();
});

/** Kills, by pid, every process whose command line names `marker` (the CLI inside the pty, and its workers). */
function killProcessesMentioning(marker: string): void {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) process.kill(Number(name), 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Three independent workers; w02 answers at once, w03 after 2.5 s, w01 after 5 s. */
function threeWorkerScript(dir: string): string {
  return writeScript(dir, {
    agents: {
      coordinator: [
        planReply({
          subtasks: [
            { id: 'alpha', role: 'research', description: 'Research alpha', dependsOn: [] },
            { id: 'beta', role: 'research', description: 'Research beta', dependsOn: [] },
            { id: 'gamma', role: 'research', description: 'Research gamma', dependsOn: [] },
          ],
          failurePolicy: 'all',
        }),
        textReply('DONE'),
      ],
      'w01-research': [textReply('ALPHA', 5000)],
      'w02-research': [textReply('BETA')],
      'w03-research': [textReply('GAMMA', 2500)],
    },
  });
}

describe('the live view under a pseudo-terminal', () => {
  it.skipIf(!hasScript)('redraws in place and ends with each agent once, whatever order the workers finish in', async () => {
    const runtime = tempRuntime('mailroom-tty-');
    let sessionDir: string | undefined;
    const watch = new WorkerWatch(() => sessionDir);
    cleanups.push(() => {
      killProcessesMentioning(runtime);
      fs.rmSync(runtime, { recursive: true, force: true });
    });
    const script = threeWorkerScript(runtime);
    const columns = 70;
    const cli = [process.execPath, CLI_ENTRY, '--runtime-dir', runtime, '--script', script, 'three things'];
    const cmd = `stty cols ${columns} rows 40; exec ${cli.map((a) => `'${a}'`).join(' ')}`;
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete env.CI;
    delete env.ANTHROPIC_API_KEY;
    // -q: no banner; -e: exit with the child's status; -c: the command; /dev/null: no typescript file.
    const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let raw = '';
    child.stdout!.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    sessionDir = onlySession(runtime);
    expect(code, raw).toBe(0);

    // It really was the live view: cursor movements, not plain timestamped event lines.
    expect(raw).toMatch(/\x1b\[\d+A/);
    expect(raw).not.toMatch(/w01-research spawned for alpha/);

    const vt = new VirtualTerminal(columns).write(raw);
    const screen = vt.screen();
    const dump = screen.join('\n');
    expect(vt.underflows, dump).toBe(0);
    expect(screen.filter((l) => /^AGENT\s+ROLE\s+STATUS\s+TURN\s+TOKENS\s+ELAPSED$/.test(l)), dump).toHaveLength(1);
    expect(screen.filter((l) => /^coordinator\s+coordinator\s+completed\s/.test(l)), dump).toHaveLength(1);
    for (const a of ['w01-research', 'w02-research', 'w03-research']) {
      const rows = screen.filter((l) => l.includes(a) && !l.startsWith('['));
      expect(rows, dump).toHaveLength(1);
      expect(rows[0]).toMatch(new RegExp(`^${a}\\s+research\\s+done\\s+1\\s+20\\s+\\d+\\.\\ds$`));
    }
    // The plan above the block, the end line below it, then the answer on stdout.
    const header = screen.findIndex((l) => l.startsWith('AGENT'));
    expect(screen.findIndex((l) => /plan: 3 subtask/.test(l))).toBeLessThan(header);
    expect(screen.slice(header + 5)).toEqual(expect.arrayContaining([expect.stringMatching(/session completed$/), 'DONE']));
    for (const l of screen.slice(header, header + 5)) expect(l.length).toBeLessThan(columns);

    // The workers did finish out of plan order (w02, w03, w01).
    const order = journalOf(sessionDir).filter((e) => e.type === 'result').map((e) => e.agent);
    expect(order).toEqual(['w02-research', 'w03-research', 'w01-research']);
    expect(watch.live()).toEqual([]);
  });
});

describe('off a terminal', () => {
  it('prints plain lines on stderr, and --json prints one JSON object on stdout', async () => {
    const runtime = tempRuntime('mailroom-json-');
    cleanups.push(() => fs.rmSync(runtime, { recursive: true, force: true }));
    const script = writeScript(runtime, {
      agents: {
        coordinator: [planReply({ subtasks: [{ id: 'only', role: 'research', description: 'Do it', dependsOn: [] }], failurePolicy: 'all' }), textReply('THE ANSWER')],
        'w01-research': [textReply('FOUND')],
      },
    });
    const r = await runCli(['--runtime-dir', runtime, '--script', script, '--json', 'one thing']);
    expect(r.code, r.stderr).toBe(0);
    const dir = onlySession(runtime);
    const parsed = JSON.parse(r.stdout) as { sessionId: string; sessionDir: string; status: string; result: string; usage: { total: { calls: number } } };
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(parsed).toMatchObject({ sessionId: path.basename(dir), sessionDir: dir, status: 'completed', result: 'THE ANSWER', provider: 'scripted' });
    expect(parsed.usage.total).toEqual(readJson<{ total: unknown }>(path.join(dir, 'usage.json')).total);
    expect(parsed.usage.total.calls).toBe(3);
    // stderr is a pipe: plain timestamped lines, no escape sequences.
    expect(r.stderr).not.toMatch(/\x1b/);
    expect(r.stderr).toMatch(/^\[\d\d:\d\d:\d\d\] w01-research spawned for only/m);
  });
});
