/**
 * The one path jail for every file tool. A user (model) path is resolved against a root
 * folder and refused unless it stays inside that root, both lexically and after symlinks
 * are resolved. Every refusal is a `ToolError` that names the problem, so the model can
 * correct its call.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ToolError } from '../errors.js';

/** Longest allowed path component, in bytes (the usual NAME_MAX). */
export const MAX_COMPONENT_BYTES = 255;
/** Longest allowed path, in bytes (the usual PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

export interface JailedPath {
  /** Absolute path to use for I/O. For existing files it is the symlink-free real path. */
  abs: string;
  /** The normalized relative path, for messages (`.` for the root itself). */
  rel: string;
  /** Whether something exists at the path right now. */
  exists: boolean;
  /** The root's real path: an opened file must still lie inside it (see open.ts). */
  root: string;
  /** The root's name in messages, e.g. `workspace`. */
  rootName: string;
}

export interface ResolveOptions {
  /** A name for the root in messages, e.g. `workspace`. */
  rootName?: string;
  /** Create the root folder when it is missing (the workspace is created lazily). */
  createRoot?: boolean;
}

/**
 * Checks a user path lexically, without touching the disk: NUL bytes, absolute paths,
 * `..` components and over-long names are refused. Returns the normalized relative path.
 */
export function checkRelativePath(userPath: string, rootName = 'root'): string {
  if (typeof userPath !== 'string') throw new ToolError('path must be a string', { code: 'E_PATH' });
  if (userPath.includes('\0')) throw new ToolError('path contains a NUL byte; refused', { code: 'E_PATH' });
  if (Buffer.byteLength(userPath) > MAX_PATH_BYTES) {
    throw new ToolError(`path is too long (${Buffer.byteLength(userPath)} bytes; the limit is ${MAX_PATH_BYTES})`, {
      code: 'E_PATH',
    });
  }
  // Windows drive letters and UNC paths are absolute in intent even on POSIX.
  if (path.isAbsolute(userPath) || /^[a-zA-Z]:[\\/]/.test(userPath) || userPath.startsWith('\\\\')) {
    throw new ToolError(`absolute paths are not allowed ("${userPath}"); give a path relative to the ${rootName}`, {
      code: 'E_PATH',
    });
  }
  const parts = userPath.split(/[\\/]+/);
  if (parts.includes('..')) {
    throw new ToolError(`path "${userPath}" contains "..": paths may not leave the ${rootName}`, { code: 'E_PATH' });
  }
  for (const part of parts) {
    if (Buffer.byteLength(part) > MAX_COMPONENT_BYTES) {
      throw new ToolError(
        `path component "${part.slice(0, 40)}…" is too long (${Buffer.byteLength(part)} bytes; the limit is ${MAX_COMPONENT_BYTES})`,
        { code: 'E_PATH' },
      );
    }
  }
  const normalized = path.posix.normalize(parts.filter((p) => p !== '').join('/') || '.');
  return normalized === '' ? '.' : normalized.replace(/\/$/, '') || '.';
}

/** True when `candidate` is `realRoot` or lies under it (both absolute, symlink-free). */
export function isInside(realRoot: string, candidate: string): boolean {
  return candidate === realRoot || candidate.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep);
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves `userPath` inside `root`. After the lexical checks, the deepest existing
 * ancestor (or the target itself) is realpath'd and must lie inside realpath(root); this
 * is what defeats a symlink that points out of the root.
 */
export async function resolveInRoot(root: string, userPath: string, opts: ResolveOptions = {}): Promise<JailedPath> {
  const rootName = opts.rootName ?? 'root';
  const rel = checkRelativePath(userPath, rootName);
  if (opts.createRoot) await mkdir(root, { recursive: true });
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    throw new ToolError(`the ${rootName} folder does not exist yet (nothing has been written)`, {
      code: 'E_NOT_FOUND',
      cause: err,
    });
  }
  const target = path.resolve(realRoot, rel);
  if (!isInside(realRoot, target)) {
    throw new ToolError(`path "${userPath}" resolves outside the ${rootName}; refused`, { code: 'E_PATH' });
  }
  // Walk up to the deepest ancestor that exists (the target itself, if it exists).
  let probe = target;
  while (!(await exists(probe))) {
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  let realProbe: string;
  try {
    realProbe = await realpath(probe);
  } catch (err) {
    // A dangling symlink: lstat sees it, realpath cannot follow it.
    throw new ToolError(`path "${userPath}" goes through a broken symlink; refused`, { code: 'E_PATH', cause: err });
  }
  if (!isInside(realRoot, realProbe)) {
    throw new ToolError(`path "${userPath}" goes through a symlink that points outside the ${rootName}; refused`, {
      code: 'E_PATH_SYMLINK',
    });
  }
  const targetExists = probe === target;
  const abs = targetExists ? realProbe : path.join(realProbe, path.relative(probe, target));
  return { abs, rel, exists: targetExists, root: realRoot, rootName };
}
