/**
 * The library API as a program embeds it: `runSession` from the package entry, with the
 * scripted provider and real worker processes, and the event stream in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSession, type SessionEvent } from '../../src/index.js';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';
import { tempRuntime } from '../support/cli.js';
import { THREE_STEP_PLAN, journalOf, planReply, textReply, writeScript } from '../support/script.js';
import { WorkerWatch } from '../support/watch-workers.js';

type Stamped = SessionEvent & { t: number };

describe('the library API', () => {
  const runtime = tempRuntime('mailroom-api-');
  afterAll(() => {
    // If the test failed mid-session, no worker may outlive it.
    for (const id of fs.existsSync(path.join(runtime, 'sessions')) ? fs.readdirSync(path.join(runtime, 'sessions')) : []) {
      for (const pid of findWorkerProcesses(path.join(runtime, 'sessions', id)).values()) process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('runSession runs a session and streams its events in order', { timeout: 90_000 }, async () => {
    const scriptFile = writeScript(runtime, {
      agents: {
        coordinator: [planReply(THREE_STEP_PLAN), textReply('THE SYNTHESIS')],
        'w01-research': [textReply('ALPHA FINDINGS', 300)],
        'w02-research': [textReply('BETA FINDINGS')],
        'w03-writing': [textReply('THE REPORT')],
      },
    });
    const events: Stamped[] = [];
    const outcome = await runSession({
      task: 'Research alpha and beta, then write them up',
      provider: 'scripted',
      scriptFile,
      runtimeDir: runtime,
      onEvent: (e) => events.push(e),
      // A hung session is interrupted (and its workers shut down) well before the test times out.
      signal: AbortSignal.timeout(60_000),
    });
    const watch = new WorkerWatch(() => outcome.sessionDir);
    expect(outcome, JSON.stringify({ status: outcome.status, reason: outcome.reason })).toMatchObject({ status: 'completed', exitCode: 0, result: 'THE SYNTHESIS', provider: 'scripted' });
    expect(fs.readFileSync(path.join(outcome.sessionDir, 'result.md'), 'utf8').trim()).toBe('THE SYNTHESIS');
    expect(outcome.usage.total.calls).toBe(5);

    const types = events.map((e) => e.type);
    // Shown when an assertion fails: the whole sequence.
    const seq = events.map((e) => `${e.type}${'agent' in e ? `:${e.agent}` : ''}`).join(' ');
    const first = (type: string, pred: (e: Stamped) => boolean = () => true) => events.findIndex((e) => e.type === type && pred(e));
    const last = (type: string) => types.lastIndexOf(type as Stamped['type']);
    // The session's frame: started, plan first; synthesis after every result; ended last.
    expect(types[0]).toBe('session_started');
    expect(events[0]).toMatchObject({ sessionId: outcome.sessionId, sessionDir: outcome.sessionDir, provider: 'scripted', resumed: false });
    expect(first('plan')).toBe(1);
    expect(first('worker_spawned')).toBeGreaterThan(first('plan'));
    expect(types.filter((t) => t === 'result')).toHaveLength(3);
    expect(first('synthesis_started'), seq).toBeGreaterThan(last('result'));
    expect(first('synthesis_done')).toBeGreaterThan(first('synthesis_started'));
    expect(events[first('synthesis_done')]).toMatchObject({ text: 'THE SYNTHESIS' });
    expect(types.at(-1)).toBe('session_ended');
    expect(events.at(-1)).toMatchObject({ status: 'completed' });
    expect(types.filter((t) => t === 'session_ended' || t === 'session_started' || t === 'plan')).toHaveLength(3);
    // Timestamps never go backwards.
    for (let i = 1; i < events.length; i++) expect(events[i]!.t).toBeGreaterThanOrEqual(events[i - 1]!.t);

    // Per worker: spawned < started < progress < result; events carry its subtask and pid.
    const workers = { 'w01-research': 'alpha', 'w02-research': 'beta', 'w03-writing': 'gamma' } as const;
    for (const [agent, subtask] of Object.entries(workers)) {
      const mine = (e: Stamped) => 'agent' in e && e.agent === agent;
      const spawned = first('worker_spawned', mine);
      const started = first('worker_started', mine);
      const progress = first('progress', mine);
      const result = first('result', mine);
      expect(spawned, seq).toBeGreaterThan(0);
      expect(started, seq).toBeGreaterThan(spawned);
      expect(progress, seq).toBeGreaterThan(started);
      expect(result, seq).toBeGreaterThan(progress);
      expect(events[spawned]).toMatchObject({ subtask, attempt: 1 });
      expect((events[started] as Extract<Stamped, { type: 'worker_started' }>).pid).toBe((events[spawned] as Extract<Stamped, { type: 'worker_spawned' }>).pid);
      expect(events[result]).toMatchObject({ subtask, reused: false });
    }
    // The DAG: the writer is spawned only after both of its inputs exist.
    expect(first('worker_spawned', (e) => 'agent' in e && e.agent === 'w03-writing')).toBeGreaterThan(
      Math.max(first('result', (e) => 'agent' in e && e.agent === 'w01-research'), first('result', (e) => 'agent' in e && e.agent === 'w02-research')),
    );
    // Nothing failed, and the events agree with the journal.
    expect(types).not.toContain('failure');
    const journal = journalOf(outcome.sessionDir);
    expect(journal.filter((e) => e.type === 'result').map((e) => e.agent).sort()).toEqual(events.filter((e) => e.type === 'result').map((e) => (e as { agent: string }).agent).sort());
    expect(watch.live()).toEqual([]);
  });
});
