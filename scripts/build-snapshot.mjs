// Builds the workers' V8 startup snapshot into dist/worker/ (run by `npm install` through
// `prepare`, after build-worker.mjs): worker.blob, which `node --snapshot-blob` restores
// instead of compiling and running the worker's start-up code in every worker (bench 4:
// spawn → started about a quarter sooner). The worker's own code (src/worker/snapshot-
// entry.ts and everything it imports, lazily loaded parts included) is one CommonJS bundle
// in the snapshot; npm packages it does not need before its first model call stay out of
// it, each bundled on its own into vendor/ and loaded at run time, so the snapshot holds no
// code an idle worker never runs (the restored heap is resident in every worker).
//
// A blob only works with the Node binary that built it, under the same V8 flags:
// snapshot.json records both, and spawnWorker uses the blob only when they match (else
// dist/worker/worker.mjs, as before). If anything here fails, the build says so and leaves
// no blob: workers then start from worker.mjs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXTERNAL_PACKAGES, WORKER_PLUGINS } from './build-worker.mjs';
import { WORKER_NODE_FLAGS } from '../src/build/worker-flags.mjs';
import { SNAPSHOT_FILES, snapshotIdentity } from '../src/build/worker-snapshot.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export { SNAPSHOT_FILES };

/** npm packages the snapshot's bundle keeps: what a worker runs before its first model call. */
const IN_SNAPSHOT = /^(pino|pino-std-serializers|sonic-boom|thread-stream|safe-stable-stringify|@pinojs\/redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free|nanoid|zod\/mini|zod\/v4\/locales\/en\.js)(\/|$)/;

/** The package a specifier names: `@scope/name` or `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isBuiltin = (specifier) => specifier.startsWith('node:') || process.getBuiltinModule(specifier) !== undefined;
const isExternalPackage = (specifier) => EXTERNAL_PACKAGES.some((p) => (p.endsWith('*') ? specifier.startsWith(p.slice(0, -1)) : specifier === p));

/** Leaves out of the snapshot's bundle every npm package our code imports that is not IN_SNAPSHOT. */
const leaveOutPackages = {
  name: 'leave-out-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      // Only our own imports: a package's imports of its own dependencies go with it.
      if (args.namespace !== 'file' || /[\\/]node_modules[\\/]/.test(args.importer) || isBuiltin(args.path) || IN_SNAPSHOT.test(args.path)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** importModule (src/util/import-module.ts) through the file on disk that the restored worker loads. */
const importThroughRuntime = {
  name: 'import-through-runtime',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]util[\\/]import-module\.ts$/ }, () => ({
      contents: 'export function importModule(specifier) { return __mailroomRuntime.importModule(specifier); }\n',
      loader: 'js',
    }));
  },
};

// `require` is the CommonJS wrapper's own: only Node's built-in modules while the snapshot
// is built; once restored, snapshot-entry.ts points __mailroomRuntime.require at a real one.
const BANNER = [
  'var __mailroomSnapshotFile = __filename;',
  'var __mailroomRuntime = {};',
  'var __mailroomBuiltinRequire = require;',
  'require = function (id) { return __mailroomRuntime.require ? __mailroomRuntime.require(id) : __mailroomBuiltinRequire(id); };',
  "var __mailroomImportMetaUrl = __mailroomBuiltinRequire('node:url').pathToFileURL(__filename).href;",
].join('\n');

async function bundleSnapshot(esbuild, outDir) {
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'src/worker/snapshot-entry.ts')],
    outfile: path.join(outDir, SNAPSHOT_FILES.bundle),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // The bundle sits beside worker.mjs: the thread scripts, built-in agents and tool
    // manifest it finds through import.meta.url are the same files.
    define: { 'import.meta.url': '__mailroomImportMetaUrl' },
    banner: { js: BANNER },
    // For profiles (bench 4 maps a restored worker's frames back to the sources through it).
    sourcemap: 'linked',
    plugins: [leaveOutPackages, importThroughRuntime, ...WORKER_PLUGINS],
    metafile: true,
    logLevel: 'error',
  });
  const warnings = result.warnings.map((w) => w.text);
  if (warnings.length) throw new Error(`the snapshot bundle: ${warnings.join('; ')}`);
  const externals = new Set();
  for (const out of Object.values(result.metafile.outputs)) for (const i of out.imports) if (i.external && !isBuiltin(i.path)) externals.add(i.path);
  return [...externals].sort();
}

/** One CommonJS bundle per left-out package under vendor/, and vendor/index.json (specifier → bundle). */
async function bundleVendor(esbuild, outDir, specifiers) {
  const dir = path.join(outDir, SNAPSHOT_FILES.vendor);
  fs.mkdirSync(dir, { recursive: true });
  const byPackage = new Map();
  for (const s of specifiers.filter((x) => !isExternalPackage(x))) byPackage.set(packageOf(s), [...(byPackage.get(packageOf(s)) ?? []), s]);
  const index = {};
  for (const [pkg, specs] of byPackage) {
    const file = `${pkg.replace('/', '__')}.cjs`;
    // One bundle per package, so its subpaths share one copy of its internals; each
    // specifier is a getter, so only what is used is initialized.
    const contents = `module.exports = {\n${specs.map((s) => `  ${JSON.stringify(s)}: () => require(${JSON.stringify(s)}),`).join('\n')}\n};\n`;
    const result = await esbuild.build({
      stdin: { contents, resolveDir: root, sourcefile: `vendor-${pkg}.cjs`, loader: 'js' },
      outfile: path.join(dir, file),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: EXTERNAL_PACKAGES,
      define: { 'import.meta.url': '__mailroomImportMetaUrl' },
      banner: { js: "var __mailroomImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      logLevel: 'error',
    });
    if (result.warnings.length) throw new Error(`vendor bundle of ${pkg}: ${result.warnings.map((w) => w.text).join('; ')}`);
    for (const s of specs) index[s] = `./${SNAPSHOT_FILES.vendor}/${file}`;
  }
  fs.writeFileSync(path.join(outDir, SNAPSHOT_FILES.vendorIndex), JSON.stringify(index, null, 2) + '\n');
}

/** Starts the blob twice: each must run, and their ids and secrets must differ (no state frozen at build time). */
function selfCheck(outDir) {
  const run = () => {
    const out = execFileSync(process.execPath, [...WORKER_NODE_FLAGS, '--snapshot-blob', path.join(outDir, SNAPSHOT_FILES.blob), '--', '--self-check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').at(-1));
  };
  const a = run();
  const b = run();
  if (!a.ok || !b.ok) throw new Error('the restored worker did not report ok');
  if (a.id === b.id || a.secret === b.secret) throw new Error(`two restored workers drew the same ids or secrets (${a.id}, ${a.secret}): state frozen at build time`);
}

/** Builds the snapshot and its vendor bundles into `outDir` (a built dist/worker). */
export async function buildSnapshot(outDir) {
  const esbuild = await import('esbuild');
  for (const f of [SNAPSHOT_FILES.blob, SNAPSHOT_FILES.meta, SNAPSHOT_FILES.bundle, SNAPSHOT_FILES.vendor]) fs.rmSync(path.join(outDir, f), { recursive: true, force: true });
  const externals = await bundleSnapshot(esbuild, outDir);
  await bundleVendor(esbuild, outDir, externals);
  fs.writeFileSync(path.join(outDir, SNAPSHOT_FILES.dynamicImport), '// import() for the restored worker (src/util/import-module.ts).\nmodule.exports = (specifier) => import(specifier);\n');
  try {
    execFileSync(process.execPath, [...WORKER_NODE_FLAGS, '--snapshot-blob', path.join(outDir, SNAPSHOT_FILES.blob), '--build-snapshot', path.join(outDir, SNAPSHOT_FILES.bundle)], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    throw new Error(`node --build-snapshot failed: ${String(err.stderr ?? err.message).trim().slice(-2000)}`);
  }
  selfCheck(outDir);
  const meta = { ...snapshotIdentity(), builtAt: Date.now() };
  fs.writeFileSync(path.join(outDir, SNAPSHOT_FILES.meta), JSON.stringify(meta, null, 2) + '\n');
  return { externals };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outDir = path.join(root, 'dist', 'worker');
  try {
    await import('esbuild');
  } catch {
    process.exit(0); // build-worker.mjs has said so
  }
  try {
    await buildSnapshot(outDir);
  } catch (err) {
    for (const f of [SNAPSHOT_FILES.blob, SNAPSHOT_FILES.meta]) fs.rmSync(path.join(outDir, f), { force: true });
    process.stderr.write(`mailroom: no worker startup snapshot (workers start from worker.mjs): ${err.message}\n`);
  }
}
