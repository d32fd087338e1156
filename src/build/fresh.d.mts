/** The mailroom checkout or package root: the nearest folder above `from` with mailroom's package.json. */
export function projectRoot(from?: string): string;
/** True when `outDir` holds a build (its build.json) newer than every file under `srcDir`. */
export function isFreshBuild(outDir: string, srcDir: string): boolean;
