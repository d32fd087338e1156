/**
 * The workers' V8 startup snapshot (scripts/build-snapshot.mjs, src/engine/process/
 * snapshot.ts): built as `npm install` builds it, restored workers that draw their own ids
 * and secrets, the heavy npm packages left out of it, and the blob used only by the Node
 * binary that built it, under the same flags.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from '../../scripts/build-worker.mjs';
import { SNAPSHOT_FILES, buildSnapshot } from '../../scripts/build-snapshot.mjs';
import { WORKER_NODE_FLAGS, workerCommand } from '../../src/engine/process/spawn.js';
import { usableSnapshot } from '../../src/engine/process/snapshot.js';
import { REPO_ROOT } from '../support/cli.js';
import { isFreshBuild } from '../../src/build/fresh.mjs';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-snapshot-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('the worker snapshot build', () => {
  beforeAll(async () => {
    await buildWorker(out, { sourcemap: false, logLevel: 'silent' });
    await buildSnapshot(out);
  }, 120_000);

  it('restores workers that each draw their own ids and secrets', () => {
    const run = () =>
      JSON.parse(execFileSync(process.execPath, [...WORKER_NODE_FLAGS, '--snapshot-blob', path.join(out, SNAPSHOT_FILES.blob), '--', '--self-check'], { encoding: 'utf8' }).trim()) as { ok: boolean; pid: number; id: string; secret: string };
    const a = run();
    const b = run();
    expect(a.ok && b.ok).toBe(true);
    expect(a.pid).not.toBe(b.pid);
    expect(a.id).not.toBe(b.id);
    expect(a.secret).toMatch(/^[0-9a-f]{16}$/);
    expect(a.secret).not.toBe(b.secret);
  });

  it('leaves the model SDK, MCP, Redis and the classic zod API out of the snapshot, each in its own vendor bundle', () => {
    const index = JSON.parse(fs.readFileSync(path.join(out, SNAPSHOT_FILES.vendorIndex), 'utf8')) as Record<string, string>;
    for (const spec of ['@anthropic-ai/sdk', 'ioredis', 'zod', '@modelcontextprotocol/sdk/client/index.js']) {
      expect(index[spec], spec).toBeDefined();
      expect(fs.existsSync(path.join(out, index[spec]!)), spec).toBe(true);
    }
    // The subpaths of one package share one bundle, so one copy of its internals.
    expect(index['@modelcontextprotocol/sdk/client/stdio.js']).toBe(index['@modelcontextprotocol/sdk/client/index.js']);
    const bundle = fs.readFileSync(path.join(out, SNAPSHOT_FILES.bundle), 'utf8');
    expect(bundle).not.toContain('node_modules/@anthropic-ai/sdk/');
    expect(bundle).not.toContain('node_modules/ioredis/');
    expect(bundle).toContain('node_modules/pino/');
  });

  it('is used only by the Node binary that built it, under the same V8 flags', () => {
    expect(usableSnapshot(out)).toEqual({ blob: path.join(out, SNAPSHOT_FILES.blob) });
    const metaFile = path.join(out, SNAPSHOT_FILES.meta);
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    const other = fs.mkdtempSync(path.join(out, 'other-'));
    fs.copyFileSync(path.join(out, SNAPSHOT_FILES.blob), path.join(other, SNAPSHOT_FILES.blob));
    const withMeta = (m: Record<string, unknown>) => {
      fs.writeFileSync(path.join(other, SNAPSHOT_FILES.meta), JSON.stringify(m));
      return usableSnapshot(other);
    };
    expect(withMeta({ ...meta, node: 'v20.0.0' })).toEqual({ unusable: expect.stringContaining('built with node "v20.0.0"') });
    expect(withMeta({ ...meta, execPath: '/opt/other/node' })).toEqual({ unusable: expect.stringContaining('/opt/other/node') });
    expect(withMeta({ ...meta, arch: 'riscv64' })).toEqual({ unusable: expect.stringContaining('riscv64') });
    expect(withMeta({ ...meta, flags: ['--max-old-space-size=64'] })).toEqual({ unusable: expect.stringContaining('--max-old-space-size=64') });
    fs.rmSync(path.join(other, SNAPSHOT_FILES.blob));
    expect(withMeta(meta)).toEqual({ unusable: expect.stringContaining('no ') });
  });
});

describe('the shipped build', () => {
  it('has a snapshot this Node can use, and spawnWorker starts workers from it', () => {
    // npm install (prepare) builds it; a failed snapshot build would otherwise only show as slower workers.
    const dist = path.join(REPO_ROOT, 'dist', 'worker');
    expect(usableSnapshot(dist)).toEqual({ blob: path.join(dist, SNAPSHOT_FILES.blob) });
    // (An edited checkout runs the sources through tsx until it is rebuilt: nothing to check then.)
    if (!isFreshBuild(dist, path.join(REPO_ROOT, 'src'))) return;
    expect(workerCommand()).toMatchObject({ kind: 'snapshot', args: [...WORKER_NODE_FLAGS, '--snapshot-blob', path.join(dist, SNAPSHOT_FILES.blob), '--'] });
  });
});
