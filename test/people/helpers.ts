/**
 * Shared bits of the people-in-the-loop tests: a session scripted on the fake Messages API
 * whose writer wants to run write_file, and ways to wait for and read its requests to people.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';
import { listRequests, type StoredRequest } from '../../src/people/store.js';
import { blocksReply, fakeEnv, isConsultation, isPlanning, planReply, textReply } from '../anthropic/helpers.js';
import type { FakeAnthropicServer, FakeReply } from '../support/fake-anthropic/index.js';
import { readJson, runCli, startCli, type CliRun } from '../support/cli.js';

export const WRITE_CALL = { type: 'tool_use' as const, id: 'toolu_write_1', name: 'write_file', input: { path: 'CHANGELOG.md', content: '# Changelog\n\n- people in the loop\n' } };
export const FINAL = 'FINAL: the changelog is updated.';

/** Short heartbeats, so that "a wait longer than heartbeat × misses" is quick to reach. */
export const FAST = ['--heartbeat-ms', '200', '--heartbeat-misses', '3', '--no-server-tools'];

/**
 * One writing subtask whose worker calls write_file, then answers from what the tool said.
 * `worker` replaces the worker's replies; the coordinator plans and synthesizes.
 */
export function scriptWriter(server: FakeAnthropicServer, worker?: FakeReply[]): { worker: FakeReply[] } {
  const replies = worker ?? [blocksReply([WRITE_CALL], { stop_reason: 'tool_use' }), textReply('Wrote CHANGELOG.md.')];
  server.reset();
  server.respond((req) => {
    if (req.agent === 'w01-writing') return replies.shift();
    if (req.agent !== 'coordinator') return undefined;
    if (isConsultation(req)) return textReply('No action.');
    if (isPlanning(req)) return planReply([{ id: 'changelog', role: 'writing', description: 'Update the changelog in the workspace' }]);
    return textReply(FINAL);
  });
  return { worker: replies };
}

export function startSession(server: FakeAnthropicServer, runtime: string, extra: string[] = []): CliRun {
  return startCli(['--runtime-dir', runtime, ...FAST, ...extra, 'Update the changelog in workspace/'], { env: fakeEnv(server) });
}

export function sessionDirOf(runtime: string): string | undefined {
  const root = path.join(runtime, 'sessions');
  const ids = fs.existsSync(root) ? fs.readdirSync(root) : [];
  return ids.length === 1 ? path.join(root, ids[0]!) : undefined;
}

/** Polls until `check` resolves a value (no timing assert: only a generous bound). */
export async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the session has an open request to people, and returns it. */
export async function openRequest(runtime: string, ms = 90_000): Promise<{ dir: string; request: StoredRequest }> {
  return until(async () => {
    const dir = sessionDirOf(runtime);
    const request = dir ? (await listRequests(dir)).find((r) => !r.reply) : undefined;
    return dir && request ? { dir, request } : undefined;
  }, 'an open request to people', ms);
}

/** `mailroom <command> ...` against a runtime dir. */
export function cli(runtime: string, args: string[]) {
  return runCli([...args, '--runtime-dir', runtime]);
}

export function journal(dir: string): Array<Record<string, unknown> & { type: string }> {
  return fs
    .readFileSync(path.join(dir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });
}

export function status(dir: string): string {
  return readJson<{ status: string }>(path.join(dir, 'session.json')).status;
}

/** Kills the session's worker processes (a test's clean-up, and the "both died" case). */
export function killWorkers(dir: string): number[] {
  const pids = [...findWorkerProcesses(dir).values()];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return pids;
}
