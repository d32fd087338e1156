import type { BuildOptions, BuildResult } from 'esbuild';

/** Bundles src/worker/main.ts into `outDir` (entry: worker.mjs); returns esbuild's result. */
export function buildWorker<T extends BuildOptions>(outDir: string, extra?: T): Promise<BuildResult<T & { outdir: string }>>;

/** Every thread script under src/tools (absolute paths). */
export function threadScripts(): string[];

/** npm packages left out of the bundle (wasm, native, a module loader). */
export const EXTERNAL_PACKAGES: string[];

/** The worker's bundling rules (esbuild plugins), shared with its startup snapshot. */
export const WORKER_PLUGINS: unknown[];
