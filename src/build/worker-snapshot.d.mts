/** The files the snapshot build writes into dist/worker/. */
export const SNAPSHOT_FILES: { blob: string; bundle: string; meta: string; vendor: string; vendorIndex: string; dynamicImport: string };

/** What a startup snapshot depends on: this Node's version, architecture and binary, and the workers' V8 flags. */
export interface SnapshotIdentity {
  node: string;
  arch: string;
  execPath: string;
  flags: string[];
}

/** This process's SnapshotIdentity: snapshot.json must match it field for field. */
export function snapshotIdentity(): SnapshotIdentity;
