/** The files the snapshot build writes into a built dist/worker. */
export const SNAPSHOT_FILES: { blob: string; bundle: string; meta: string; vendor: string };

/** Builds the workers' startup snapshot, and the vendor bundles it loads, into `outDir` (a built dist/worker). */
export function buildSnapshot(outDir: string): Promise<{ externals: string[] }>;
