/**
 * People in the loop through the library API: `onEvent` announces the request, and the
 * program answers it with `respond` (exported from the package entry), as the CLI does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { respond, runSession, type SessionEvent } from '../../src/index.js';
import { tempRuntime } from '../support/cli.js';
import { planReply, textReply, toolReply, writeScript } from '../support/script.js';
import { killWorkers } from './helpers.js';

describe('people through the library', () => {
  const runtime = tempRuntime('mailroom-people-lib-');
  afterAll(() => {
    for (const id of fs.existsSync(path.join(runtime, 'sessions')) ? fs.readdirSync(path.join(runtime, 'sessions')) : []) killWorkers(path.join(runtime, 'sessions', id));
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('onEvent emits approval_requested with the command; respond() approves it and the session completes', { timeout: 120_000 }, async () => {
    const scriptFile = writeScript(runtime, {
      agents: {
        coordinator: [planReply({ subtasks: [{ id: 'notes', role: 'writing', description: 'Write the release notes', dependsOn: [] }], failurePolicy: 'all' }), textReply('THE SYNTHESIS')],
        'w01-writing': [toolReply('write_file', { path: 'NOTES.md', content: 'release notes\n' }), textReply('WROTE NOTES.md')],
      },
    });
    const events: Array<SessionEvent & { t: number }> = [];
    let dir = '';
    const answered: Array<Promise<unknown>> = [];
    const outcome = await runSession({
      task: 'Write the release notes',
      provider: 'scripted',
      scriptFile,
      runtimeDir: runtime,
      requireApproval: ['write_file'],
      heartbeatIntervalMs: 200,
      signal: AbortSignal.timeout(90_000),
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'session_started') dir = e.sessionDir;
        if (e.type === 'approval_requested') answered.push(respond(dir, e.request, { kind: 'approval', note: 'from a program' }));
      },
    });
    await Promise.all(answered);
    expect(outcome, JSON.stringify({ status: outcome.status, reason: outcome.reason })).toMatchObject({ status: 'completed', exitCode: 0, result: 'THE SYNTHESIS' });
    const asked = events.find((e) => e.type === 'approval_requested');
    expect(asked).toMatchObject({ agent: 'w01-writing', subtask: 'notes', tool: 'write_file', summary: 'write_file(path="NOTES.md", 14 B)' });
    expect((asked as { command: string }).command).toBe(`mailroom approve ${outcome.sessionId} ${(asked as { request: string }).request}`);
    expect(events.findIndex((e) => e.type === 'request_answered')).toBeGreaterThan(events.indexOf(asked!));
    expect(fs.readFileSync(path.join(outcome.sessionDir, 'workspace', 'NOTES.md'), 'utf8')).toBe('release notes\n');
    // A second reply through the library is refused, with the code programs can test.
    await expect(respond(outcome.sessionDir, (asked as { request: string }).request, { kind: 'denial', reason: 'late' })).rejects.toMatchObject({ code: 'E_REQUEST_ANSWERED' });
  });
});
