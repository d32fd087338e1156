export { SNAPSHOT_FILES } from '../src/build/worker-snapshot.mjs';

/** Builds the workers' startup snapshot, and the vendor bundles it loads, into `outDir` (a built dist/worker). */
export function buildSnapshot(outDir: string): Promise<{ externals: string[] }>;
