/** The scripted model (the test and bench double behind the Model seam). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEventListeners } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedModel } from '../../src/model/scripted.js';

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
});
