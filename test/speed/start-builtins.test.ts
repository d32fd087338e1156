/**
 * What a cold worker has loaded of Node's own modules when its `started` goes out. A
 * built-in module outside Node's startup snapshot is compiled when first loaded, and a
 * worker compiles it without Node's code cache (its V8 flags, WORKER_NODE_FLAGS, change the
 * flag hash the cache is checked against), so one stray import costs every worker start:
 * node:crypto about 10 ms, worker_threads with assert about as much, perf_hooks a few
 * (bench 4). The worker is built here as `npm install` builds dist/worker, started as the
 * coordinator starts one, and the list is taken twice: at the moment its `started` is
 * renamed into the coordinator's mailbox, and once it waits in its second model call,
 * after one search_files run (a research worker: fetch_url's HTTP stack, and the threads some
 * tools run in, load on first use; the wrapper of the tool's result draws its suffix from
 * /dev/urandom, not node:crypto; the scripted model claims its queue positions without
 * proper-lockfile, whose graceful-fs loads the streams).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorker } from '../../scripts/build-worker.mjs';
import { SessionOptionsSchema } from '../../src/config.js';
import { WORKER_NODE_FLAGS } from '../../src/engine/process/spawn.js';
import { MailboxSender, createMailbox } from '../../src/mailbox/index.js';
import { createSessionFolder } from '../../src/session/create.js';
import { COORDINATOR_ID, agentPaths } from '../../src/session/layout.js';
import { writeAgentRecord } from '../../src/session/store.js';
import { builtinCatalogue } from '../../src/agents/builtin.js';
import { writeCatalogue } from '../../src/agents/snapshot.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-start-builtins-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/**
 * Loaded before the worker: records process.moduleLoadList when a message is first renamed
 * into the coordinator's new/ (its started), and again when the process exits.
 */
const PRELOAD = `
// Not \`import fs from 'node:fs'\`: that builds node:fs's ESM facade, which loads the streams
// this test checks the worker leaves out.
const fs = process.getBuiltinModule('node:fs');
process.on('exit', () => fs.writeFileSync(process.env.LOADED_OUT + '.exit', process.moduleLoadList.join('\\n')));
const rename = fs.renameSync;
let done = false;
fs.renameSync = function (from, to) {
  const out = rename.apply(this, arguments);
  if (!done && String(to).includes('/agents/coordinator/mailbox/new/')) {
    done = true;
    fs.writeFileSync(process.env.LOADED_OUT, process.moduleLoadList.join('\\n'));
  }
  return out;
};
`;

describe('the built-in modules a cold worker loads', () => {
  it('leaves out node:crypto, worker_threads, assert, perf_hooks and streams until started, and HTTP, TLS, DNS, zlib and threads until a tool needs them, and crypto, perf_hooks and streams after a search_files run', async () => {
    const out = path.join(root, 'worker');
    await buildWorker(out, { sourcemap: false, logLevel: 'silent' });
    const preload = path.join(root, 'preload.mjs');
    fs.writeFileSync(preload, PRELOAD);

    // The first model call asks for a search_files run; the second hangs, and the worker
    // idles until it is killed.
    const scriptFile = path.join(root, 'script.json');
    const search = { content: [{ type: 'tool_use', id: 'toolu_1', name: 'search_files', input: { query: 'tides' } }], stop_reason: 'tool_use' };
    fs.writeFileSync(scriptFile, JSON.stringify({ agents: { '*': [{ response: search }, { hang: true, repeat: true }] } }));
    const sourceRoot = path.join(root, 'source');
    fs.mkdirSync(sourceRoot);
    fs.writeFileSync(path.join(sourceRoot, 'tides.md'), '# Tides\n\nThe moon pulls the sea.\n');
    const { dir, record } = await createSessionFolder(path.join(root, 'runtime'), {
      options: SessionOptionsSchema.parse({ task: 'start builtins test', provider: 'scripted', scriptFile, sourceRoot }),
      provider: 'scripted',
      models: { coordinator: 'scripted', worker: 'scripted', router: 'scripted' },
    });
    await writeCatalogue(dir, builtinCatalogue());
    await createMailbox(dir, COORDINATOR_ID);
    const agentId = 'w01-research';
    await createMailbox(dir, agentId);
    await writeAgentRecord(dir, { v: 1, id: agentId, role: 'research', subtask: 's1', tools: [], model: 'scripted', limits: record.options.limits, status: 'pending', attempt: 1 });
    const sender = new MailboxSender({ sessionDir: dir, sessionId: record.id, from: COORDINATOR_ID, epoch: 0 });
    await sender.send(agentId, 'assign', {
      subtask: { id: 's1', role: 'research', description: 'Start, report started.' },
      inputs: [],
      attempt: 1,
      limits: record.options.limits,
      continueFromTranscript: false,
    });

    const loadedFile = path.join(root, 'loaded.txt');
    const stderr = agentPaths(dir, agentId).stderr;
    const transcript = agentPaths(dir, agentId).transcript;
    const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, '--import', preload, path.join(out, 'worker.mjs'), '--session', dir, '--agent', agentId], {
      stdio: ['ignore', 'ignore', fs.openSync(stderr, 'a')],
      env: { ...process.env, LOADED_OUT: loadedFile },
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      const deadline = Date.now() + 30_000;
      // Its second model call has begun once the tool's result is in its transcript (that call hangs).
      const inModelCall = () => fs.existsSync(transcript) && fs.readFileSync(transcript, 'utf8').includes('"tool_result"');
      while (!(fs.existsSync(loadedFile) && inModelCall()) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      expect(fs.existsSync(loadedFile), `no started message; worker stderr: ${fs.readFileSync(stderr, 'utf8')}`).toBe(true);
      expect(inModelCall(), `no model call; worker stderr: ${fs.readFileSync(stderr, 'utf8')}`).toBe(true);
    } finally {
      // SIGTERM: the worker's handler exits, and the preload's exit hook writes the second list.
      child.kill('SIGTERM');
      await exited;
    }
    const coordinatorNew = path.join(agentPaths(dir, COORDINATOR_ID).mailbox, 'new');
    // Its started, and the progress of its tool run.
    const types = fs.readdirSync(coordinatorNew).map((n) => (JSON.parse(fs.readFileSync(path.join(coordinatorNew, n), 'utf8')) as { type: string }).type);
    expect(types.filter((t) => t === 'started')).toHaveLength(1);

    const loaded = fs.readFileSync(loadedFile, 'utf8').split('\n');
    // The list is real: the worker's own start needs these.
    expect(loaded).toContain('NativeModule fs');
    expect(loaded).toContain('NativeModule internal/fs/watchers');
    // stream: the ESM facade of node:fs (scripts/build-worker.mjs, noFacade).
    for (const unwanted of ['NativeModule crypto', 'NativeModule worker_threads', 'NativeModule assert', 'NativeModule perf_hooks', 'NativeModule stream', 'NativeModule internal/fs/streams']) {
      expect(loaded, `${unwanted} was loaded before started`).not.toContain(unwanted);
    }
    const inCall = fs.readFileSync(`${loadedFile}.exit`, 'utf8').split('\n');
    expect(inCall).toContain('NativeModule fs');
    expect(fs.readFileSync(transcript, 'utf8')).toContain('tides.md');
    for (const unwanted of ['NativeModule http', 'NativeModule https', 'NativeModule tls', 'NativeModule dns', 'NativeModule zlib', 'NativeModule crypto', 'NativeModule worker_threads', 'NativeModule perf_hooks', 'NativeModule stream']) {
      expect(inCall, `${unwanted} was loaded by a research worker waiting on its second model call, after a search_files run`).not.toContain(unwanted);
    }
  }, 60_000);
});
