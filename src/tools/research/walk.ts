/**
 * Walks a folder for text files to index: honours .gitignore files (the root's and nested
 * ones), never follows symlinks, skips binaries (a NUL byte in the head) and big files,
 * and stops at fixed caps so a huge tree cannot stall a worker. By default it leaves out
 * mailroom runtime folders and secret-looking files (see private.ts).
 */
import type { Dirent } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import ignore from 'ignore';
import type { Ignore } from 'ignore';
import { looksBinary, readHead } from '../fileread.js';
import { isSecretName, isSessionsFolder } from './private.js';

export interface WalkLimits {
  /** Files indexed at most. */
  maxFiles: number;
  /** Files larger than this are skipped. */
  maxFileBytes: number;
  /** Total bytes read at most. */
  maxTotalBytes: number;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = {
  maxFiles: 5000,
  maxFileBytes: 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
};

export interface WalkOptions {
  /** Walk mailroom runtime folders and secret-looking files too (see private.ts). */
  includePrivate?: boolean | undefined;
}

/** Folders never searched, whatever .gitignore says. */
const ALWAYS_SKIPPED = new Set(['.git', 'node_modules', '.hg', '.svn']);

export interface WalkedFile {
  /** Path relative to the walk root, with `/` separators. */
  rel: string;
  text: string;
}

export interface WalkResult {
  files: WalkedFile[];
  skippedBinary: number;
  skippedLarge: number;
  /** True when a cap stopped the walk early. */
  capped: boolean;
}

interface IgnoreScope {
  /** Folder of the .gitignore, relative to the walk root ('' for the root). */
  dir: string;
  ig: Ignore;
}

function ignoredBy(scopes: IgnoreScope[], rel: string, isDir: boolean): boolean {
  for (const scope of scopes) {
    const sub = scope.dir === '' ? rel : rel.slice(scope.dir.length + 1);
    if (sub === '') continue;
    if (scope.ig.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

async function loadGitignore(absDir: string, relDir: string): Promise<IgnoreScope | undefined> {
  try {
    const text = await readFile(path.join(absDir, '.gitignore'), 'utf8');
    return { dir: relDir, ig: ignore().add(text) };
  } catch {
    return undefined;
  }
}

/** Collects the text files under `root` (an absolute, already-jailed folder). */
export async function walkTextFiles(
  root: string,
  limits: WalkLimits = DEFAULT_WALK_LIMITS,
  signal?: AbortSignal,
  options: WalkOptions = {},
): Promise<WalkResult> {
  const result: WalkResult = { files: [], skippedBinary: 0, skippedLarge: 0, capped: false };
  let total = 0;
  const visit = async (absDir: string, relDir: string, scopes: IgnoreScope[]): Promise<void> => {
    if (result.capped || signal?.aborted) return;
    const own = await loadGitignore(absDir, relDir);
    const active = own ? [...scopes, own] : scopes;
    let entries: Dirent[];
    try {
      entries = await readdir(absDir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (result.capped || signal?.aborted) return;
      const rel = relDir === '' ? e.name : `${relDir}/${e.name}`;
      const abs = path.join(absDir, e.name);
      // Symlinks are never followed: they could lead out of the root.
      if (e.isSymbolicLink()) continue;
      if (!options.includePrivate && isSecretName(e.name)) continue;
      if (e.isDirectory()) {
        if (ALWAYS_SKIPPED.has(e.name) || ignoredBy(active, rel, true)) continue;
        if (!options.includePrivate && (await isSessionsFolder(abs))) continue;
        await visit(abs, rel, active);
      } else if (e.isFile()) {
        if (ignoredBy(active, rel, false)) continue;
        const size = await stat(abs).then((s) => s.size, () => -1);
        if (size < 0) continue;
        if (size > limits.maxFileBytes) {
          result.skippedLarge++;
          continue;
        }
        if (result.files.length >= limits.maxFiles || total + size > limits.maxTotalBytes) {
          result.capped = true;
          return;
        }
        let buf: Buffer;
        try {
          // Through the race-checked open: a FIFO or a swapped folder is refused, never followed.
          ({ buf } = await readHead({ abs, rel, exists: true, root, rootName: 'search folder' }, rel, limits.maxFileBytes));
        } catch {
          continue;
        }
        if (looksBinary(buf)) {
          result.skippedBinary++;
          continue;
        }
        total += buf.length;
        result.files.push({ rel, text: buf.toString('utf8') });
      }
    }
  };
  await visit(root, '', []);
  return result;
}
