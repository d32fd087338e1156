// Plain JavaScript on purpose: the build (scripts/build-snapshot.mjs) writes the workers'
// startup snapshot with these names and this record, and spawnWorker
// (src/engine/process/snapshot.ts) checks the record before it uses the blob.
import fs from 'node:fs';
import { WORKER_NODE_FLAGS } from './worker-flags.mjs';

/** The files the snapshot build writes into dist/worker/. */
export const SNAPSHOT_FILES = { blob: 'worker.blob', bundle: 'worker-snapshot.cjs', meta: 'snapshot.json', vendor: 'vendor', vendorIndex: 'vendor/index.json', dynamicImport: 'dynamic-import.cjs' };

/**
 * What a blob depends on, as this process sees it: Node's version and architecture, its
 * binary (resolved), and the workers' V8 flags. The build records it in snapshot.json; a
 * blob is used only where every field is the same.
 */
export function snapshotIdentity() {
  let execPath = process.execPath;
  try {
    execPath = fs.realpathSync(process.execPath);
  } catch {
    // keep the path as given
  }
  return { node: process.version, arch: process.arch, execPath, flags: WORKER_NODE_FLAGS };
}
