/** Shared fixtures for the mailbox tests: temp sessions, child processes, polling. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach } from 'vitest';
import { MailboxReader, mailboxDir, type MailboxReaderOptions } from '../../src/mailbox/index.js';
import { createMailbox } from '../../src/mailbox/maildir.js';
import { ENVELOPE_VERSION } from '../../src/contracts/envelope.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WRITER_SCRIPT = path.join(here, '..', 'support', 'mailbox-writer.ts');
export const READER_SCRIPT = path.join(here, '..', 'support', 'mailbox-reader-proc.ts');

export interface TestSession {
  dir: string;
  id: string;
}

export async function makeSession(agents: string[] = ['coordinator']): Promise<TestSession> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mailroom-mailbox-'));
  for (const a of agents) await createMailbox(dir, a);
  return { dir, id: `20250101-000000-${path.basename(dir).slice(-6).replace(/[^A-Za-z0-9]/g, 'x')}` };
}

export async function removeSession(s: TestSession | undefined): Promise<void> {
  if (s) await fsp.rm(s.dir, { recursive: true, force: true });
}

const bundles = new Map<string, Promise<string>>();
const bundleDir = path.join(here, '..', '..', 'node_modules', '.cache', 'mailroom-test', `${process.pid}`);

/**
 * `script` bundled once per test process with esbuild (npm packages external), so a test
 * that starts a child many times (the kill soak) pays tsx's start-up cost once, not per start.
 * The bundle lives under node_modules/.cache, where the packages resolve.
 */
export function bundledScript(script: string): Promise<string> {
  let built = bundles.get(script);
  if (!built) {
    built = (async () => {
      const esbuild = await import('esbuild');
      const outfile = path.join(bundleDir, path.basename(script).replace(/\.ts$/, '.mjs'));
      await esbuild.build({ entryPoints: [script], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
      return outfile;
    })();
    bundles.set(script, built);
  }
  return built;
}

/** Removes this test process's bundles (call in afterAll). */
export async function removeBundles(): Promise<void> {
  bundles.clear();
  await fsp.rm(bundleDir, { recursive: true, force: true });
}

/** Children started by a test; killed in afterEach via killAll(). */
export class Children {
  private readonly procs = new Set<ChildProcess>();

  /** `node --import tsx <script> ...args`, inheriting the environment (MAILROOM_TEST_RUN). */
  spawnTs(script: string, args: string[]): ChildProcess {
    return this.spawnNode(['--import', 'tsx', script, ...args]);
  }

  /** `node <args>` (e.g. a bundledScript), inheriting the environment, with stdout and stderr kept. */
  spawnNode(args: string[]): ChildProcess {
    const child = spawn(process.execPath, args, {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    Object.defineProperty(child, 'stderrText', { get: () => stderr });
    Object.defineProperty(child, 'stdoutText', { get: () => stdout });
    this.procs.add(child);
    return child;
  }

  async killAll(): Promise<void> {
    await Promise.all(
      [...this.procs].map(async (c) => {
        if (c.exitCode === null && c.signalCode === null) {
          c.kill('SIGKILL');
          await exited(c);
        }
      }),
    );
    this.procs.clear();
  }
}

export function stderrOf(child: ChildProcess): string {
  return (child as unknown as { stderrText?: string }).stderrText ?? '';
}

export function stdoutOf(child: ChildProcess): string {
  return (child as unknown as { stdoutText?: string }).stdoutText ?? '';
}

/** Resolves with the exit code (or signal name) once the child has exited. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** Polls until cond() is true; fails with `what` after a generous timeout (a liveness bound only). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function lsSync(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** A valid envelope object for hand-written files in tests. */
export function envelope(over: Record<string, unknown> & { id: string }, session: string): Record<string, unknown> {
  return {
    v: ENVELOPE_VERSION,
    session,
    from: 'w01-research',
    to: 'coordinator',
    type: 'message',
    seq: 0,
    sentAt: 1,
    body: { text: 'hello' },
    ...over,
  };
}

/**
 * The coordinator mailbox's reader for in-process reader tests: `reader()` makes one on the
 * current session (fast rescans), `folder()` names one of its Maildir folders; after each
 * test every reader is stopped and the session removed.
 */
export function readerFixture(session: () => TestSession | undefined): {
  reader: (opts: Partial<MailboxReaderOptions> & Pick<MailboxReaderOptions, 'handler'>) => MailboxReader;
  folder: (f: string) => string;
} {
  const readers: MailboxReader[] = [];
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.stop()));
    await removeSession(session());
  });
  return {
    reader(opts) {
      const s = session()!;
      const r = new MailboxReader({ sessionDir: s.dir, sessionId: s.id, agentId: 'coordinator', rescanIntervalMs: 100, ...opts });
      readers.push(r);
      return r;
    },
    folder: (f) => path.join(mailboxDir(session()!.dir, 'coordinator'), f),
  };
}
