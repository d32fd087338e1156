/**
 * A warm spare's rehearsal (worker/rehearse.ts) runs the hand-over's code on made-up data
 * and touches nothing outside its process: no file is written, moved or removed, and no
 * message reaches any mailbox, including its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionOptionsSchema } from '../../src/config.js';
import { createMailbox } from '../../src/mailbox/index.js';
import { createSessionFolder } from '../../src/session/create.js';
import { COORDINATOR_ID } from '../../src/session/layout.js';
import { writeAgentRecord } from '../../src/session/store.js';
import { rehearseHandOver } from '../../src/worker/rehearse.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** Every file under `dir` with its size and mtime. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const st = fs.statSync(path.join(dir, rel));
    out[rel] = st.isDirectory() ? 'dir' : `${st.size}@${st.mtimeMs}`;
  }
  return out;
}

/** A fresh session folder of the scripted provider, removed after the file. */
async function newSession() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-rehearse-'));
  roots.push(root);
  return createSessionFolder(root, {
    options: SessionOptionsSchema.parse({ task: 'rehearsal test', provider: 'scripted' }),
    provider: 'scripted',
    models: { coordinator: 'scripted', worker: 'scripted', router: 'scripted' },
  });
}

describe('a spare\'s rehearsal', () => {
  it('changes no file of the session, and sends nothing', async () => {
    const { dir, record } = await newSession();
    await createMailbox(dir, COORDINATOR_ID);
    await createMailbox(dir, 'spare-01');
    await writeAgentRecord(dir, { v: 1, id: 'spare-01', role: 'spare', subtask: '', tools: [], model: 'scripted', limits: record.options.limits, status: 'spare', attempt: 1 });
    const before = tree(dir);
    await rehearseHandOver(dir, 'spare-01', record);
    expect(tree(dir)).toEqual(before);
  });

  it('never throws, even when the spare has no agent.json to read', async () => {
    const { dir, record } = await newSession();
    await expect(rehearseHandOver(dir, 'spare-09', record)).resolves.toBeUndefined();
  });
});
