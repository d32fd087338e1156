/**
 * Runs the real `mailroom` CLI as a child process, the way a user does, and remembers every
 * process it started so tests can prove none is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** What `npm start` and the `mailroom` command run: the compiled CLI when fresh, else the sources through tsx. */
export const CLI_ENTRY = path.join(REPO_ROOT, 'bin/mailroom.js');
export const SAMPLE_PROJECT = path.join(REPO_ROOT, 'test/fixtures/sample-project');

export interface CliRun {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process exits. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  stdout(): string;
  stderr(): string;
}

const started: ChildProcess[] = [];

/** Starts `mailroom <args>`; the environment is the test's, minus any real API key. */
export function startCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env, ANTHROPIC_API_KEY: '', LOG_LEVEL: 'debug', ...opts.env };
  if (!env.ANTHROPIC_API_KEY) delete env.ANTHROPIC_API_KEY;
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
  return { child, pid: child.pid!, done, stdout: () => out, stderr: () => err };
}

/** Runs the CLI to its end. */
export async function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return startCli(args, opts).done;
}

/** Kills every CLI process this file started that is still running. */
export function killStartedClis(): void {
  for (const c of started.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill('SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

/** A fresh runtime folder for one test. */
export function tempRuntime(prefix = 'mailroom-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The only session folder under a runtime dir (tests run one session per runtime). */
export function onlySession(runtimeDir: string): string {
  const root = path.join(runtimeDir, 'sessions');
  const ids = fs.readdirSync(root);
  if (ids.length !== 1) throw new Error(`expected one session in ${root}, found ${ids.length}`);
  return path.join(root, ids[0]!);
}

export function readJsonl<T = Record<string, unknown>>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/**
 * For a test file: a function that makes a fresh runtime folder, and the clean-up that
 * kills the file's CLIs after each test and removes every folder at the end.
 */
export function useTempRuntimes(prefix: string, hooks: { afterEach: (fn: () => void) => void; afterAll: (fn: () => void) => void }): () => string {
  const made: string[] = [];
  hooks.afterEach(() => killStartedClis());
  hooks.afterAll(() => {
    for (const r of made) fs.rmSync(r, { recursive: true, force: true });
  });
  return () => {
    const r = tempRuntime(prefix);
    made.push(r);
    return r;
  };
}
