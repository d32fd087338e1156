/**
 * `import(specifier)` for modules named at run time (a tool module by path, tsx's loader).
 * In one place because a script restored from a V8 startup snapshot cannot call import():
 * the worker's snapshot build (scripts/build-snapshot.mjs) puts a version of this module in
 * its bundle that imports through a small CommonJS file on disk, which Node loads, and so
 * gives import(), as usual.
 */
export function importModule<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
