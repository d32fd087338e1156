/** The live view shows an agent that waits for a person as `waiting for you`, with the command to run. */
import { describe, expect, it } from 'vitest';
import { LiveView } from '../../src/cli/live.js';
import type { SessionEvent } from '../../src/coordinator/events.js';
import { VirtualTerminal } from '../operator/vt.js';

describe('the live view and people', () => {
  it('marks the waiting worker and prints the approve command above the block, then shows it running again', () => {
    const vt = new VirtualTerminal(120);
    let now = 1_000;
    const view = new LiveView({ write: (s) => void vt.write(s), columns: () => 120 }, { now: () => now, throttleMs: 0, tickMs: 0 });
    const events: SessionEvent[] = [
      { type: 'session_started', sessionId: '20261201-120000-abcdef', sessionDir: '/tmp/x', provider: 'anthropic', resumed: false },
      { type: 'plan', plan: { subtasks: [{ id: 'changelog', role: 'writing', description: 'Update the changelog', dependsOn: [], required: false }], failurePolicy: 'all' } as never },
      { type: 'worker_spawned', subtask: 'changelog', agent: 'w01-writing', role: 'writing', attempt: 1, pid: 42 },
      { type: 'worker_started', subtask: 'changelog', agent: 'w01-writing', attempt: 1, pid: 42 },
      { type: 'approval_requested', request: 'a1b2c3', agent: 'w01-writing', subtask: 'changelog', tool: 'write_file', summary: 'write_file(path="CHANGELOG.md", 1.2 kB)', command: 'mailroom approve 20261201-120000-abcdef a1b2c3' },
    ];
    for (const e of events) view.listener({ ...e, t: (now += 10) });
    let screen = vt.screen();
    expect(screen.some((l) => l.includes('w01-writing asks to run write_file(path="CHANGELOG.md", 1.2 kB)'))).toBe(true);
    expect(screen.some((l) => l.includes('mailroom approve 20261201-120000-abcdef a1b2c3'))).toBe(true);
    expect(screen.find((l) => l.startsWith('w01-writing'))).toContain('waiting for you (a1b2c3)');
    view.listener({ type: 'request_answered', request: 'a1b2c3', agent: 'w01-writing', kind: 'approval', t: (now += 10) });
    screen = vt.screen();
    expect(screen.find((l) => l.startsWith('w01-writing'))).toMatch(/\brunning\b/);
    view.close();
  });
});
