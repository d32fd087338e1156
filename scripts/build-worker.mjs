#!/usr/bin/env node
// Compiles the worker process into dist/worker/ (run by `npm install` through `prepare`).
// Workers then start with plain `node`, without tsx's loader: about half the start-up time
// and a quarter less memory (see bench/results/latest.md). The npm packages are bundled in
// too: resolving and loading ~120 separate files from node_modules was a third of the
// compiled worker's start (bench 4). Packages that load files beside themselves at run time
// (wasm, native binaries, a module loader) stay external and load from node_modules.
// Dynamic imports stay lazy (code splitting): what a worker needs only after its assignment
// is a separate chunk. When the sources are newer than the build, mailroom falls back to
// tsx on its own (src/engine/process/spawn.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every thread script under src/tools; their names must be unique (they land in one folder). */
export function threadScripts() {
  const files = fs
    .readdirSync(path.join(root, 'src/tools'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('-thread.mjs'))
    .map((f) => path.join(root, 'src/tools', f));
  const names = files.map((f) => path.basename(f));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`two thread scripts are named ${dup}; they must differ (dist/worker is flat)`);
  return files;
}

/**
 * Left out of the bundle: quickjs-emscripten loads its .wasm from beside its own module,
 * esbuild runs a native binary, tsx is a module loader (tools/modules.ts imports TypeScript
 * through it).
 */
export const EXTERNAL_PACKAGES = ['quickjs-*', 'esbuild', 'tsx', 'tsx/*'];

/**
 * zod's `z.locales` namespace holds its error messages in some 50 languages: over a third
 * of the JavaScript a worker would compile before `started`. mailroom never switches
 * zod's locale (English is zod's default, loaded by zod itself), so the namespace keeps
 * English only. The worker code compiles the same; only `z.locales.<other>` is gone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales-en', namespace: 'mailroom-zod' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'mailroom-zod' }, () => ({ contents: "export { default as en } from 'zod/v4/locales/en.js';\n", resolveDir: root }));
  },
};

/**
 * The contracts a worker checks before `started` are written in zod/mini (src/contracts/
 * mini.ts). Shared with the classic API that some modules use after `started`, zod's core
 * files would sit in the start chunks whole: esbuild splits chunks by file, so a core file
 * holds every schema type any chunk needs (`$ZodTemplateLiteral`, `$ZodFunction`, …, 182 of
 * the start chunks' 443 KiB), and zod/mini reaches the core through core/index.js, which
 * also re-exports the JSON Schema generator and the ahead-of-time compiler (`compile`,
 * marked as having side effects, so never dropped). So the contracts' zod/mini, and the
 * core files it reaches, are a copy of their own (namespace `mailroom-zod-start`), which
 * esbuild trims to what the contracts use (77 KiB), and they see a core/index.js without
 * those parts. zod is made for more than one copy in a process: its instanceof checks go by
 * trait names, and its config and registry live on globalThis; a user's tool module brings
 * its own zod in any case. A name zod/mini needs and the lite index leaves out fails the
 * build (checkLiteZod), rather than being undefined at run time.
 */
const ZOD_MINI_LITE = `export * from "./parse.js";
export * from "./schemas.js";
export * from "./checks.js";
export { globalRegistry, registry, config, $output, $input, $brand, clone, regexes, treeifyError, prettifyError, formatError, flattenError, TimePrecision, util, NEVER } from "../core/index.js";
export * as iso from "./iso.js";
export * as coerce from "./coerce.js";
`;
const ZOD_CORE_LITE = `export * from "./core.js";
export * from "./parse.js";
export * from "./errors.js";
export * from "./schemas.js";
export * from "./checks.js";
export * from "./versions.js";
export * as util from "./util.js";
export * as regexes from "./regexes.js";
export * from "./registries.js";
export * from "./doc.js";
export * from "./api.js";
`;
const zodStartLite = {
  name: 'zod-start-lite',
  setup(build) {
    const zodDir = path.join(root, 'node_modules/zod/v4');
    const miniTs = path.join(root, 'src/contracts/mini.ts');
    const LITE = 'mailroom-zod-lite';
    const COPY = 'mailroom-zod-start';
    // mini.ts's two zod imports: zod/mini (as the lite index) and its English messages.
    build.onResolve({ filter: /^zod\/(mini|v4\/locales\/en\.js)$/ }, (args) => {
      if (args.importer !== miniTs) return undefined;
      return args.path === 'zod/mini' ? { path: 'mini', namespace: LITE } : { path: path.join(zodDir, 'locales/en.js'), namespace: COPY };
    });
    // Inside the copy, every relative import stays in the copy; core/index.js is the lite one.
    build.onResolve({ filter: /^\./ }, (args) => {
      if (args.namespace !== COPY && args.namespace !== LITE) return undefined;
      const from = args.namespace === LITE ? 'lite index' : args.importer;
      if (args.path === '../core/index.js' && (args.namespace === LITE || /[\\/]zod[\\/]v4[\\/]mini[\\/](schemas|parse|checks|iso|coerce)\.js$/.test(from))) return { path: 'core', namespace: LITE };
      return { path: path.resolve(args.resolveDir, args.path), namespace: COPY };
    });
    build.onLoad({ filter: /.*/, namespace: COPY }, (args) => ({ contents: fs.readFileSync(args.path, 'utf8'), resolveDir: path.dirname(args.path), loader: 'js' }));
    build.onLoad({ filter: /.*/, namespace: LITE }, (args) =>
      args.path === 'mini'
        ? { contents: ZOD_MINI_LITE, resolveDir: path.join(zodDir, 'mini'), loader: 'js' }
        : { contents: ZOD_CORE_LITE, resolveDir: path.join(zodDir, 'core'), loader: 'js' },
    );
  },
};

/**
 * Named imports of a name the lite modules leave out already fail the build; but zod/mini
 * also reads its core through a namespace (`core._string(...)`), and esbuild says nothing
 * of a missing property there in node_modules. So every `core.<name>` in the redirected
 * files must be an export of the lite core, which is known by loading its files.
 */
async function checkLiteZod() {
  const coreDir = path.join(root, 'node_modules/zod/v4/core');
  const exported = new Set();
  for (const m of ZOD_CORE_LITE.matchAll(/^export \* (?:as (\w+) )?from "\.\/([\w-]+\.js)";$/gm)) {
    if (m[1]) exported.add(m[1]);
    else for (const name of Object.keys(await import(pathToFileURL(path.join(coreDir, m[2])).href))) exported.add(name);
  }
  for (const file of ['schemas', 'parse', 'checks', 'iso', 'coerce']) {
    const source = fs.readFileSync(path.join(root, 'node_modules/zod/v4/mini', `${file}.js`), 'utf8');
    const missing = [...new Set([...source.matchAll(/\bcore\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]))].filter((n) => !exported.has(n));
    if (missing.length) throw new Error(`zod-start-lite: zod/v4/mini/${file}.js uses core.${missing.join(', core.')}, which ZOD_CORE_LITE leaves out; update scripts/build-worker.mjs for this zod version`);
  }
}

/**
 * pino requires node:worker_threads (for `isMainThread`, and through thread-stream, its
 * transports) and sonic-boom requires node:assert, at load. A worker never uses a pino
 * transport, and logs through a synchronous destination, yet those requires load about a
 * dozen of Node's built-in modules at every start, which a worker compiles without Node's
 * code cache (its V8 flags change the flag hash; src/util/ids.ts says the same of
 * node:crypto): about 10 ms. Each require below is made lazy, to happen on first use. Each
 * edit must match its package's source exactly once, so a pino or sonic-boom upgrade that
 * changes these lines fails the build instead of shipping unpatched.
 */
const LAZY_REQUIRES = [
  {
    file: /[\\/]node_modules[\\/]pino[\\/]lib[\\/]tools\.js$/,
    edits: [
      ["const { isMainThread } = require('worker_threads')", "const isMainThread = () => require('worker_threads').isMainThread"],
      ['if (!opts.sync && isMainThread) {', 'if (!opts.sync && isMainThread()) {'],
    ],
  },
  {
    file: /[\\/]node_modules[\\/]pino[\\/]lib[\\/]transport\.js$/,
    edits: [
      ["const ThreadStream = require('thread-stream')", "const ThreadStream = function (opts) { return new (require('thread-stream'))(opts) }"],
      // node:module, which Node's snapshot builder warns of (scripts/build-snapshot.mjs).
      ["const { createRequire } = require('module')", "const createRequire = (...args) => require('module').createRequire(...args)"],
    ],
  },
  {
    file: /[\\/]node_modules[\\/]sonic-boom[\\/]index\.js$/,
    edits: [["const assert = require('assert')", "const assert = (...args) => require('assert')(...args)"]],
  },
];

const lazyRequires = {
  name: 'lazy-requires',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/](pino|sonic-boom)[\\/].*\.js$/ }, (args) => {
      const patch = LAZY_REQUIRES.find((p) => p.file.test(args.path));
      if (!patch) return undefined;
      let contents = fs.readFileSync(args.path, 'utf8');
      for (const [from, to] of patch.edits) {
        const count = contents.split(from).length - 1;
        if (count !== 1) throw new Error(`lazy-requires: expected "${from}" once in ${args.path}, found it ${count} times; update scripts/build-worker.mjs for this version`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};

/**
 * An ESM `import` of a built-in module makes Node build that module's ESM facade, which
 * reads every export once: for node:fs that runs its lazy getters (`ReadStream`,
 * `WriteStream`, `promises`) and so loads Node's whole streams stack, some 20 built-in
 * modules that a worker compiles without Node's code cache (see LAZY_REQUIRES); for
 * node:module, its source-map support. The bundle's imports of these two take the module
 * from `process.getBuiltinModule` instead, as a CommonJS require would, with the same
 * named exports (each a plain value property of the module; a getter is left out, and an
 * import of one fails the build).
 */
const NO_FACADE = ['fs', 'module'];
const noFacade = {
  name: 'no-builtin-facade',
  setup(build) {
    const filter = new RegExp(`^(node:)?(${NO_FACADE.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.kind === 'import-statement' ? { path: args.path.replace(/^node:/, ''), namespace: 'mailroom-builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'mailroom-builtin' }, (args) => {
      const descriptors = Object.getOwnPropertyDescriptors(process.getBuiltinModule(`node:${args.path}`));
      const names = Object.keys(descriptors).filter((k) => 'value' in descriptors[k] && /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
      const lines = [`const m = process.getBuiltinModule('node:${args.path}');`, 'export default m;', ...names.map((n) => `export const ${n} = m.${n};`)];
      return { contents: lines.join('\n') + '\n', loader: 'js' };
    });
  },
};

/**
 * Output files in ASCII only. V8 keeps a script's source as one string, one byte a
 * character only while every character is Latin-1: a single "→" in a kept doc comment
 * made the snapshot bundle's 630 KB of source a 1.2 MB two-byte string, in the heap of
 * every restored worker. esbuild already escapes what is not ASCII in code (its default
 * charset); this escapes what it leaves in comments, where `\uXXXX` is just text.
 */
const asciiOutput = {
  name: 'ascii-output',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd((result) => {
      for (const out of Object.keys(result.metafile?.outputs ?? {})) {
        if (!/\.(m?js|cjs)$/.test(out)) continue;
        const file = path.resolve(build.initialOptions.absWorkingDir ?? process.cwd(), out);
        const text = fs.readFileSync(file, 'utf8');
        if (/[^\x00-\x7f]/.test(text)) fs.writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
      }
    });
  },
};

/** The worker's bundling rules, shared with its startup snapshot (scripts/build-snapshot.mjs). */
export const WORKER_PLUGINS = [zodEnglishOnly, zodStartLite, lazyRequires, noFacade, asciiOutput];

/**
 * Bundles one entry for Node into `outDir` (entry file: `<name>.mjs`), with what the code
 * reads from beside itself: the tools' thread scripts (the `-thread.mjs` files under src/tools, plain
 * JS) and the built-in agent definitions (src/agents/builtin-dir.ts), and a build.json
 * whose time tells a fresh build from a stale one (src/build/fresh.mjs). Returns esbuild's result.
 */
export async function bundleForNode(name, entry, outDir, options = {}) {
  const esbuild = await import('esbuild');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { [name]: entry },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    ...options,
  });
  for (const file of threadScripts()) fs.copyFileSync(file, path.join(outDir, path.basename(file)));
  fs.cpSync(path.join(root, 'src/agents/built-in'), path.join(outDir, 'built-in'), { recursive: true });
  fs.writeFileSync(path.join(outDir, 'build.json'), JSON.stringify({ builtAt: Date.now() }) + '\n');
  return result;
}

/**
 * Writes tool-manifest.json beside the worker: every built-in tool's definition as the
 * model sees it (src/tools/manifest.ts), computed from the sources this build bundled, so
 * that a compiled worker offers its tools before importing them (src/tools/deferred.ts).
 * The generator is bundled into node_modules/.cache, where its external packages resolve
 * whatever `outDir` is, and removed after.
 */
async function writeToolManifest(outDir) {
  const esbuild = await import('esbuild');
  const cacheDir = path.join(root, 'node_modules', '.cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  // Unique per call: builds may run at once (test files in one process), and an ES module
  // is imported once per URL.
  const generator = path.join(cacheDir, `mailroom-tool-manifest-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.mjs`);
  try {
    await esbuild.build({
      entryPoints: [path.join(root, 'src/tools/manifest.ts')],
      outfile: generator,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: EXTERNAL_PACKAGES,
      banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
      logLevel: 'warning',
    });
    const { computeToolManifest, TOOL_MANIFEST_FILE } = await import(pathToFileURL(generator).href);
    fs.writeFileSync(path.join(outDir, TOOL_MANIFEST_FILE), JSON.stringify(await computeToolManifest()) + '\n');
  } finally {
    fs.rmSync(generator, { force: true });
  }
}

/** Bundles src/worker/main.ts, with its npm packages, into `outDir` (entry: worker.mjs). */
export async function buildWorker(outDir, extra = {}) {
  const result = await bundleForNode('worker', path.join(root, 'src/worker/main.ts'), outDir, {
    external: EXTERNAL_PACKAGES,
    // Bundled CommonJS packages call require() for Node's built-ins; ESM has none of its own.
    // Taken without an import of node:module, for the reason given at noFacade.
    banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
    plugins: WORKER_PLUGINS,
    ...extra,
  });
  await checkLiteZod();
  await writeToolManifest(outDir);
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await import('esbuild');
  } catch {
    process.stderr.write('mailroom: esbuild is not installed; workers will run through tsx\n');
    process.exit(0);
  }
  await buildWorker(path.join(root, 'dist', 'worker'));
}
