/** The scripted model (the test and bench double behind the Model seam). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEventListeners } from 'node:events';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedModel, readCalls } from '../../src/model/scripted.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-scripted-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the scripted model', () => {
  it('leaves no abort listener behind on the signal once a delayed answer is given', async () => {
    const scriptFile = path.join(dir, 'script.json');
    const entry = { delayMs: 1, response: { content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn' } };
    fs.writeFileSync(scriptFile, JSON.stringify({ agents: { w01: Array.from({ length: 12 }, () => entry) } }));
    const model = new ScriptedModel(scriptFile);
    const abort = new AbortController();
    // One signal lives as long as a worker's attempt, across all of its model calls: a
    // listener left per call passed Node's limit of 10 on the eleventh (a warning on stderr).
    for (let i = 0; i < 12; i++) {
      const r = await model.createMessage({ model: 'scripted', system: '', messages: [{ role: 'user', content: 'hi' }], metadata: { agentId: 'w01', role: 'research', purpose: 'turn' } }, { signal: abort.signal });
      expect(r.content).toEqual([{ type: 'text', text: 'ok' }]);
    }
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('gives every position of a shared queue to exactly one caller when processes call at once', async () => {
    // Six processes, eight calls each, all falling back to the `*` queue: no position may be
    // answered twice or skipped, and the calls log has one line per call.
    const scriptFile = path.join(dir, 'shared.json');
    const n = 6 * 8;
    const queue = Array.from({ length: n }, (_, i) => ({ response: { content: [{ type: 'text', text: `r${i}` }], stop_reason: 'end_turn' } }));
    fs.writeFileSync(scriptFile, JSON.stringify({ agents: { '*': queue } }));
    const caller = path.join(import.meta.dirname, '../support/scripted-caller.ts');
    const outputs = await Promise.all(
      Array.from({ length: 6 }, (_, p) =>
        new Promise<string[]>((resolve, reject) => {
          const c = spawn(process.execPath, ['--import', 'tsx', caller, scriptFile, `p${p}`, '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          c.stdout.on('data', (d: Buffer) => (out += d.toString()));
          c.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`caller ${p} exited ${code}`))));
        }),
      ),
    );
    const answered = outputs.flat().sort();
    expect(answered).toEqual(queue.map((_, i) => `r${i}`).sort());
    const calls = readCalls(`${scriptFile}.calls.jsonl`);
    expect(calls).toHaveLength(n);
    expect(calls.map((c) => c.index).sort((a, b) => a - b)).toEqual(queue.map((_, i) => i));
  }, 60_000);
});
