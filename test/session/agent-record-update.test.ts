/**
 * updateAgentRecord is one read-modify-write: changes to one agent's agent.json made at the
 * same time (the coordinator's spawn bookkeeping and a `started` message, say) all land.
 * With an await between the read and the write, the later write carried the older read
 * and dropped the other change.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentPaths } from '../../src/session/layout.js';
import { readAgentRecord, updateAgentRecord, writeAgentRecord } from '../../src/session/store.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

describe('updateAgentRecord', () => {
  it('keeps every one of several changes made at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-agent-update-'));
    roots.push(dir);
    fs.mkdirSync(path.dirname(agentPaths(dir, 'w01-research').agentJson), { recursive: true });
    await writeAgentRecord(dir, { v: 1, id: 'w01-research', role: 'research', subtask: 'part-1', tools: [], model: 'scripted', status: 'pending', attempt: 1 });
    await Promise.all([
      updateAgentRecord(dir, 'w01-research', { pid: 4242 }),
      updateAgentRecord(dir, 'w01-research', { status: 'running' }),
      updateAgentRecord(dir, 'w01-research', { startedAt: '2026-12-03T00:00:00.000Z' }),
    ]);
    const record = await readAgentRecord(dir, 'w01-research');
    expect(record).toMatchObject({ pid: 4242, status: 'running', startedAt: '2026-12-03T00:00:00.000Z', subtask: 'part-1' });
  });
});
