/**
 * The page's built files (dist/ui/, made by scripts/build-ui.mjs during `npm install`).
 * They are read once at start, and only by the names the build wrote, so no request path
 * ever reaches the file system. A missing or stale build is rebuilt on the spot (esbuild
 * is a dependency), so `mailroom ui` also works in a checkout edited after install.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const UI_DIST = path.join(ROOT, 'dist', 'ui');
const WEB_SRC = path.join(ROOT, 'src', 'ui', 'web');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export interface UiAssets {
  indexHtml(token: string): string;
  get(name: string): { body: Uint8Array<ArrayBuffer>; type: string } | undefined;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when dist/ui is missing or older than the page's sources. */
function stale(): boolean {
  const stamp = path.join(UI_DIST, 'build.json');
  if (!fs.existsSync(stamp)) return true;
  if (!fs.existsSync(WEB_SRC)) return false; // an installed package ships only the build
  const builtAt = (JSON.parse(fs.readFileSync(stamp, 'utf8')) as { builtAt: number }).builtAt;
  return newestMtime(WEB_SRC) > builtAt;
}

function readBuild(): { files: Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>; template: string } {
  const files = new Map<string, { body: Uint8Array<ArrayBuffer>; type: string }>();
  for (const name of fs.readdirSync(UI_DIST)) {
    const type = TYPES[path.extname(name)];
    if (type) files.set(name, { body: new Uint8Array(fs.readFileSync(path.join(UI_DIST, name))), type });
  }
  return { files, template: fs.readFileSync(path.join(UI_DIST, 'index.html'), 'utf8') };
}

/** Loads the built page, building it first when needed. */
export async function loadAssets(): Promise<UiAssets> {
  let build: ReturnType<typeof readBuild> | undefined;
  // Two viewers starting at once may both rebuild; one of them can swap the folder while
  // the other reads it. Reading again after a rebuild settles that.
  for (let i = 0; !build; i++) {
    if (stale()) {
      const mod = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-ui.mjs')).href)) as { buildUi: (outDir: string) => Promise<unknown> };
      await mod.buildUi(UI_DIST);
    }
    try {
      build = readBuild();
    } catch (err) {
      if (i >= 2) throw err;
    }
  }
  const { files, template } = build;
  return {
    // The token is base64url (no characters that need escaping in an attribute).
    indexHtml: (token) => template.replaceAll('__TOKEN__', token),
    get: (name) => files.get(name),
  };
}
