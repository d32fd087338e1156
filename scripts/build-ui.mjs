#!/usr/bin/env node
// Builds the session viewer's page into dist/ui/ (run by `npm install` through `prepare`,
// and by `mailroom ui` itself when the build is missing or older than src/ui/web/).
// Everything the page needs is bundled here: nothing loads from a CDN at run time.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'src', 'ui', 'web');

/** Bundles src/ui/web/main.ts into `outDir` with index.html and styles.css beside it. */
export async function buildUi(outDir) {
  const esbuild = await import('esbuild');
  // Build into a sibling folder and rename, so a running viewer never reads a half build.
  const tmp = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(web, 'main.ts') },
    outdir: tmp,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'styles.css']) fs.copyFileSync(path.join(web, f), path.join(tmp, f));
  fs.writeFileSync(path.join(tmp, 'build.json'), JSON.stringify({ builtAt: Date.now() }) + '\n');
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  for (let i = 0; ; i++) {
    fs.rmSync(outDir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, outDir);
      break;
    } catch (err) {
      // Another build put its folder in place between our rm and rename: try again, then
      // keep theirs (it is built from the same sources).
      if (i < 2 && (err.code === 'ENOTEMPTY' || err.code === 'EEXIST')) continue;
      fs.rmSync(tmp, { recursive: true, force: true });
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      break;
    }
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await import('esbuild');
  } catch {
    process.stderr.write('mailroom: esbuild is not installed; the viewer page will be built on first `mailroom ui`\n');
    process.exit(0);
  }
  await buildUi(path.join(root, 'dist', 'ui'));
}
