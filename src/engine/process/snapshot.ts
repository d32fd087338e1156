/**
 * The workers' V8 startup snapshot (dist/worker/worker.blob, made by
 * scripts/build-snapshot.mjs): whether this process may start workers from it. A blob
 * works only with the Node binary that built it, under the same V8 flags, so its
 * snapshot.json must hold this process's snapshotIdentity() (src/build/worker-snapshot.mjs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SNAPSHOT_FILES, snapshotIdentity, type SnapshotIdentity } from '../../build/worker-snapshot.mjs';

/** The blob in `workerDir`, or why it cannot be used here (the error of `MAILROOM_WORKER=snapshot`). */
export function usableSnapshot(workerDir: string): { blob: string } | { unusable: string } {
  const blob = path.join(workerDir, SNAPSHOT_FILES.blob);
  let built: Partial<SnapshotIdentity>;
  try {
    built = JSON.parse(fs.readFileSync(path.join(workerDir, SNAPSHOT_FILES.meta), 'utf8')) as Partial<SnapshotIdentity>;
  } catch {
    return { unusable: `no ${SNAPSHOT_FILES.meta} in ${workerDir}` };
  }
  if (!fs.existsSync(blob)) return { unusable: `no ${blob}` };
  const here = snapshotIdentity();
  for (const key of Object.keys(here) as Array<keyof SnapshotIdentity>) {
    if (JSON.stringify(built[key]) !== JSON.stringify(here[key])) return { unusable: `built with ${key} ${JSON.stringify(built[key])}, this process has ${JSON.stringify(here[key])}` };
  }
  return { blob };
}
