/**
 * The workers' V8 startup snapshot (dist/worker/worker.blob, made by
 * scripts/build-snapshot.mjs): whether this process may start workers from it. A blob
 * works only with the Node binary that built it, under the same V8 flags, so its
 * snapshot.json must name this Node (version, architecture, binary) and the flags.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WORKER_NODE_FLAGS } from '../../build/worker-flags.mjs';

/** What the build records beside the blob. */
export interface SnapshotMeta {
  node: string;
  arch: string;
  execPath: string;
  flags: string[];
  builtAt: number;
}

/** The blob in `workerDir`, or why it cannot be used here (for the log and `MAILROOM_WORKER=snapshot`). */
export function usableSnapshot(workerDir: string): { blob: string } | { unusable: string } {
  const blob = path.join(workerDir, 'worker.blob');
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(fs.readFileSync(path.join(workerDir, 'snapshot.json'), 'utf8')) as SnapshotMeta;
  } catch {
    return { unusable: `no snapshot.json in ${workerDir}` };
  }
  if (!fs.existsSync(blob)) return { unusable: `no ${blob}` };
  if (meta.node !== process.version || meta.arch !== process.arch) return { unusable: `built by Node ${meta.node} (${meta.arch}), this is ${process.version} (${process.arch})` };
  let execPath = process.execPath;
  try {
    execPath = fs.realpathSync(process.execPath);
  } catch {
    // keep the path as given
  }
  if (meta.execPath !== execPath) return { unusable: `built by ${meta.execPath}, this Node is ${execPath}` };
  if (JSON.stringify(meta.flags) !== JSON.stringify(WORKER_NODE_FLAGS)) return { unusable: `built under V8 flags ${meta.flags.join(' ')}` };
  return { blob };
}
