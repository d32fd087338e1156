/**
 * The worker as a V8 startup snapshot (scripts/build-snapshot.mjs bundles this file as one
 * CommonJS script and runs it under `node --build-snapshot`). Everything imported here is
 * loaded and initialized once, at build time: the worker's code compiled, zod's schemas
 * built, Node's built-in modules loaded. A worker started with `--snapshot-blob` restores
 * that heap instead of compiling and running it again, and starts in `startWorkerProcess`.
 *
 * Nothing here may capture per-process state at load: no pid, clock, environment or random
 * bytes in a module's top-level code (Math.random is reseeded on restore; ids.ts fills its
 * /dev/urandom pool on first use). The build's self-check starts the snapshot twice and
 * fails if their ids or secrets agree.
 */
import v8 from 'node:v8';
import { startWorkerProcess } from './start.js';
import { SNAPSHOT_FILES } from '../build/worker-snapshot.mjs';
import { warmSchemas } from '../contracts/warm.js';
import { BODY_SCHEMAS, EnvelopeSchema } from '../contracts/envelope.js';
import { AgentRecordSchema, SessionRecordSchema } from '../contracts/records.js';
import { SnapshotSchema } from '../agents/snapshot.js';
// Loaded by every worker once its assignment is read: initialized in the snapshot too.
import './after-assign.js';

// What every worker parses on its way to its first model call: zod's first-parse setup of
// these is done now, once, and restored with the heap (contracts/warm.ts).
warmSchemas([SessionRecordSchema, AgentRecordSchema, EnvelopeSchema, ...Object.values(BODY_SCHEMAS), SnapshotSchema]);

/** Set by the build's banner: the bundle's own file, and the hooks its `require` and `importModule` go through once restored. */
declare const __mailroomSnapshotFile: string;
declare const __mailroomRuntime: { require?: (id: string) => unknown; importModule?: (specifier: string) => Promise<unknown> };

v8.startupSnapshot.setDeserializeMainFunction(() => {
  // The npm packages the bundle leaves out (build-snapshot.mjs) and import(): through files
  // beside the bundle, which Node loads at run time as usual. All of it on first use: the
  // first require through Node's CommonJS loader costs a restored worker a few ms of CPU
  // (profiled: about 7 ms wall with createRequire), and a worker whose role needs no
  // left-out package and no tool module never pays it.
  // (node:module is taken here, not imported: the snapshot builder warns of it at load.)
  let load: NodeJS.Require | undefined;
  const loader = (): NodeJS.Require => (load ??= process.getBuiltinModule('node:module').createRequire(__mailroomSnapshotFile));
  // vendor/index.json: each left-out specifier, and the vendor bundle that holds it.
  let vendor: Record<string, string> | undefined;
  __mailroomRuntime.require = (id) => {
    // A module the bundle initializes only at run time may still name a built-in one.
    const builtin = process.getBuiltinModule(id);
    if (builtin !== undefined) return builtin;
    vendor ??= loader()(`./${SNAPSHOT_FILES.vendorIndex}`) as Record<string, string>;
    const file = vendor[id];
    return file ? (loader()(file) as Record<string, () => unknown>)[id]!() : loader()(id);
  };
  let dynamicImport: ((specifier: string) => Promise<unknown>) | undefined;
  __mailroomRuntime.importModule = (specifier) => {
    dynamicImport ??= loader()(`./${SNAPSHOT_FILES.dynamicImport}`) as (specifier: string) => Promise<unknown>;
    return dynamicImport(specifier);
  };
  // node --snapshot-blob <blob> -- <args>: the arguments follow the executable.
  startWorkerProcess(process.argv.slice(1));
});
