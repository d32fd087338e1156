/**
 * Deferred built-in tools (src/tools/deferred.ts): offered to the model from the build's
 * manifest, their code loaded on first use only. The manifest itself is checked against a
 * real build (scripts/build-worker.mjs) of these sources.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildWorker } from '../../scripts/build-worker.mjs';
import { deferredTool, loadedTool } from '../../src/tools/deferred.js';
import { toolDefinitions } from '../../src/tools/definitions.js';
import { TOOL_MANIFEST_FILE, computeToolManifest } from '../../src/tools/manifest.js';
import { runTool } from '../../src/tools/run.js';
import { defineTool, type Tool } from '../../src/tools/types.js';
import { workerToolIds } from '../../src/tools/builtin-ids.js';
import { REPO_ROOT, SAMPLE_PROJECT, killStartedClis, onlySession, readJsonl, runCli, tempRuntime } from '../support/cli.js';
import { makeTempSession, type TempSession } from './helpers.js';

let s: TempSession;
beforeAll(async () => {
  s = await makeTempSession();
});
afterAll(async () => {
  await s.cleanup();
});

const shout = defineTool({
  name: 'shout',
  description: 'Says the text louder.',
  input: z.object({ text: z.string().min(1) }),
  run: async ({ text }) => ({ content: text.toUpperCase() }),
}) as unknown as Tool;

describe('a deferred tool', () => {
  it('is offered with its definition before anything is loaded, loads once on first use, and validates with the loaded schema', async () => {
    let loads = 0;
    const [definition] = toolDefinitions([shout]);
    const tool = deferredTool(definition!, async () => {
      loads++;
      return shout;
    });
    expect(toolDefinitions([tool])).toEqual([definition]);
    expect(loads).toBe(0);

    const ok = await runTool([tool], 'shout', { text: 'hi' }, s.ctx('research'));
    expect(ok).toMatchObject({ content: 'HI', isError: false });
    const bad = await runTool([tool], 'shout', { text: '' }, s.ctx('research'));
    expect(bad.isError).toBe(true);
    expect(bad.content).toMatch(/invalid input for tool shout/);
    expect(await loadedTool(tool)).toBe(shout);
    expect(loads).toBe(1);
  });

  it('turns a module that fails to load, or gives another tool, into an error result naming the tool', async () => {
    const [definition] = toolDefinitions([shout]);
    const broken = deferredTool(definition!, async () => {
      throw new Error('disk on fire');
    });
    const r = await runTool([broken], 'shout', { text: 'hi' }, s.ctx('research'));
    expect(r).toMatchObject({ isError: true });
    expect(r.content).toMatch(/tool shout could not be loaded: .*disk on fire/);

    const other = deferredTool(definition!, async () => ({ ...shout, name: 'whisper' }));
    expect((await runTool([other], 'shout', { text: 'hi' }, s.ctx('research'))).content).toMatch(/gave a tool named whisper/);
  });
});

describe('the build\'s tool manifest', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-manifest-'));
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  let metafile: { outputs: Record<string, { imports: Array<{ path: string; kind: string }>; inputs: Record<string, unknown> }> };
  beforeAll(async () => {
    metafile = (await buildWorker(out, { sourcemap: false, logLevel: 'silent', metafile: true })).metafile;
  }, 60_000);

  /** The source files in these chunks and every chunk they import statically (loaded with them). */
  const staticInputs = (seeds: string[]): string[] => {
    const outputs = metafile.outputs;
    const seen = new Set<string>();
    const queue = [...seeds];
    while (queue.length) {
      const k = queue.pop()!;
      if (seen.has(k)) continue;
      seen.add(k);
      for (const i of outputs[k]!.imports) if (i.kind === 'import-statement' && outputs[i.path]) queue.push(i.path);
    }
    return [...seen].flatMap((k) => Object.keys(outputs[k]!.inputs));
  };
  const isClassicZod = (input: string) => /node_modules[\\/]zod[\\/]v4[\\/]classic[\\/]/.test(input);

  it('holds, for every built-in worker tool, exactly the definition the tool itself gives', async () => {
    const written = JSON.parse(fs.readFileSync(path.join(out, TOOL_MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written).sort()).toEqual(workerToolIds().sort());
    expect(written).toEqual(JSON.parse(JSON.stringify(await computeToolManifest())));
  });

  it('keeps zod\'s classic API out of what a worker loads before its first model call', () => {
    // The chunks a worker imports statically from its entry and from the after-assignment
    // chunk: all of them are loaded before the first model call (tools and providers are dynamic).
    const outputs = metafile.outputs;
    const find = (re: RegExp) => Object.keys(outputs).find((k) => re.test(k))!;
    const inputs = staticInputs([find(/[\\/]worker\.mjs$/), find(/[\\/]after-assign-[^/]*\.mjs$/)]);
    expect(inputs.some((i) => i.includes('src/worker/run.ts'))).toBe(true);
    expect(inputs.filter(isClassicZod)).toEqual([]);
  });

  it('gives the worker\'s start chunks their own copy of zod\'s core, trimmed to what the contracts use', () => {
    // Shared with the classic API, each core file held every schema type any chunk needed:
    // 182 KiB of zod in the start chunks, compiled at every cold start.
    const outputs = metafile.outputs as Record<string, { imports: Array<{ path: string; kind: string }>; inputs: Record<string, { bytesInOutput: number }> }>;
    const entry = Object.keys(outputs).find((k) => /[\\/]worker\.mjs$/.test(k))!;
    const zodInputs = staticInputs([entry]).filter((i) => /[\\/]zod[\\/]/.test(i));
    expect(zodInputs.some((i) => i.endsWith('zod/v4/core/schemas.js'))).toBe(true);
    expect(zodInputs.filter((i) => !i.startsWith('mailroom-zod-start:')), 'zod files shared with the classic API').toEqual([]);
    const seen = new Set<string>();
    const queue = [entry];
    let zodBytes = 0;
    while (queue.length) {
      const k = queue.pop()!;
      if (seen.has(k)) continue;
      seen.add(k);
      for (const [input, { bytesInOutput }] of Object.entries(outputs[k]!.inputs)) if (/[\\/]zod[\\/]/.test(input)) zodBytes += bytesInOutput;
      for (const i of outputs[k]!.imports) if (i.kind === 'import-statement' && outputs[i.path]) queue.push(i.path);
    }
    expect(zodBytes).toBeLessThan(100 * 1024);
  });

  it('keeps zod\'s classic API out of the built-in tools but the artifact ones (their schemas are zod/mini)', () => {
    // Loading the classic API cost a worker about 15 ms of CPU on its first tool call.
    const outputs = metafile.outputs;
    const tools = ['research/search', 'research/read', 'research/fetch', 'research/extract-text', 'workspace/list', 'workspace/read', 'workspace/write', 'workspace/edit', 'analysis/run-javascript', 'analysis/describe-data', 'writing/format', 'shared/ask', 'shared/ask-human'];
    for (const tool of tools) {
      const input = `src/tools/${tool}.ts`;
      const home = Object.keys(outputs).find((k) => Object.keys(outputs[k]!.inputs).some((i) => i.endsWith(input)));
      expect(home, `${input} is in no chunk`).toBeDefined();
      expect(staticInputs([home!]).filter(isClassicZod), `${input} brings zod's classic API`).toEqual([]);
    }
  });
});

describe('the compiled worker', () => {
  const compiled = path.join(REPO_ROOT, 'dist/worker/worker.mjs');
  const made: string[] = [];
  afterEach(() => killStartedClis());
  afterAll(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });

  it.runIf(fs.existsSync(compiled))('runs its built-in tools offered from the manifest', async () => {
    const runtime = tempRuntime('mailroom-deferred-rt-');
    made.push(runtime);
    const run = await runCli(['--offline', '--runtime-dir', runtime, '--source', SAMPLE_PROJECT, 'How does the sample project parse its config?'], {
      env: { MAILROOM_WORKER: 'compiled' },
    });
    expect(run.code, run.stderr).toBe(0);
    const agents = path.join(onlySession(runtime), 'agents');
    type Line = { kind: string; tools?: string[]; message?: { role: string; content: unknown } };
    const research = fs.readdirSync(agents).filter((a) => a.endsWith('-research'));
    expect(research.length).toBeGreaterThan(0);
    const lines = research.flatMap((a) => readJsonl<Line>(path.join(agents, a, 'transcript.jsonl')));
    expect(lines.find((l) => l.kind === 'system')!.tools).toEqual(expect.arrayContaining(['search_files', 'read_file']));
    const results = lines.flatMap((l) => (l.message?.role === 'user' && Array.isArray(l.message.content) ? (l.message.content as Array<{ type: string; is_error?: boolean; content?: string }>) : [])).filter((b) => b.type === 'tool_result');
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.is_error), JSON.stringify(results)).toEqual([]);
  }, 180_000);
});
