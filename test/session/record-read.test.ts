/**
 * readSessionRecord parses session.json once per text: an unchanged file is served from the
 * last parse (what a warm spare's hand-over re-reads), a changed one is parsed again, and
 * no caller's copy is shared with another's.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionOptionsSchema } from '../../src/config.js';
import { createSessionFolder } from '../../src/session/create.js';
import { sessionPaths } from '../../src/session/layout.js';
import { readSessionRecord, writeSessionRecord } from '../../src/session/store.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function session() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-record-read-'));
  roots.push(root);
  return createSessionFolder(root, {
    options: SessionOptionsSchema.parse({ task: 'record read test', provider: 'scripted' }),
    provider: 'scripted',
    models: { coordinator: 'scripted', worker: 'scripted', router: 'scripted' },
  });
}

describe('readSessionRecord', () => {
  it('sees every change to session.json, and hands each caller its own copy', async () => {
    const { dir } = await session();
    const first = await readSessionRecord(dir);
    const second = await readSessionRecord(dir);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    // A caller changing its copy changes no one else's.
    second.epoch = 99;
    expect((await readSessionRecord(dir)).epoch).toBe(first.epoch);
    await writeSessionRecord(dir, { ...first, epoch: first.epoch + 1 });
    expect((await readSessionRecord(dir)).epoch).toBe(first.epoch + 1);
  });

  it('still refuses a session.json that fails its schema after a good one was read', async () => {
    const { dir } = await session();
    await readSessionRecord(dir);
    const file = sessionPaths(dir).sessionJson;
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), epoch: -1 }));
    await expect(readSessionRecord(dir)).rejects.toThrow();
  });
});
