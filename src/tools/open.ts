/**
 * Opening jailed files without the races of check-then-open. `resolveInRoot` checks a
 * path; between that check and the `open()`, a folder on the way can be swapped for a
 * symlink that leads out of the root. So every open here:
 * - looks first (lstat) and refuses anything that is not a regular file: a FIFO or a device
 *   would block `open()` and hold one of libuv's few threads;
 * - opens with O_NOFOLLOW (no symlink as the last component) and O_NONBLOCK (a FIFO
 *   swapped in after the look cannot block), then checks the descriptor is a regular file;
 * - verifies the descriptor's real path (`/proc/self/fd/N`) still lies inside the root,
 *   so a swapped folder is caught after the fact, before a byte is read or written;
 * - for writes: never truncates at open (a refused file is left as it was), and refuses
 *   a file with more than one hard link (a link to a file outside the root).
 */
import { constants as fsc } from 'node:fs';
import { lstat, open, readlink, realpath, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ToolError } from '../errors.js';
import { isInside } from './paths.js';
import type { JailedPath } from './paths.js';

/**
 * A test seam: called between the path check and the `open()`, where a racing process
 * would swap a folder for a symlink. Tests set it to drive that interleaving; it is
 * never set otherwise.
 */
export const openHooks: {
  beforeOpen?: ((abs: string) => void | Promise<void>) | undefined;
  /** Called before each folder level is created (folders.ts). */
  beforeMkdir?: ((abs: string) => void | Promise<void>) | undefined;
} = {};

const NOFOLLOW = fsc.O_NOFOLLOW ?? 0;
const NONBLOCK = fsc.O_NONBLOCK ?? 0;

/** The real path of an open descriptor, or undefined where /proc is missing. */
async function descriptorPath(handle: FileHandle): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return undefined;
  }
}

/** Throws unless the open descriptor still lies inside the jail's root. Returns its real path. */
async function checkDescriptor(handle: FileHandle, jailed: JailedPath, display: string): Promise<string> {
  // Without /proc, fall back to the path's own real path (narrower, but still a check).
  const real = (await descriptorPath(handle)) ?? (await realpath(jailed.abs).catch(() => jailed.abs));
  if (!isInside(jailed.root, real)) {
    throw new ToolError(`"${display}" led outside the ${jailed.rootName} while it was being opened (a folder swapped for a symlink?); refused`, {
      code: 'E_PATH_SYMLINK',
    });
  }
  return real;
}

function kindOf(st: { isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symlink';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}

function refuseKind(st: Parameters<typeof kindOf>[0], display: string): never {
  if (st.isDirectory()) throw new ToolError(`"${display}" is a folder; use list_files to see what it holds`, { code: 'E_PATH' });
  if (st.isSymbolicLink()) throw new ToolError(`"${display}" is a symlink; refused`, { code: 'E_PATH_SYMLINK' });
  throw new ToolError(`"${display}" is not a regular file (it is ${kindOf(st)}); refused`, { code: 'E_PATH' });
}

/** Opens an existing regular file inside its root for reading. The caller closes the handle. */
export async function openForRead(jailed: JailedPath, display: string): Promise<{ handle: FileHandle; size: number }> {
  let st;
  try {
    st = await lstat(jailed.abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ToolError(`file not found: ${display}`, { code: 'E_NOT_FOUND', cause: err });
    throw new ToolError(`cannot read "${display}": ${(err as Error).message}`, { cause: err });
  }
  if (!st.isFile()) refuseKind(st, display);
  await openHooks.beforeOpen?.(jailed.abs);
  let handle: FileHandle;
  try {
    handle = await open(jailed.abs, fsc.O_RDONLY | NOFOLLOW | NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ToolError(`file not found: ${display}`, { code: 'E_NOT_FOUND', cause: err });
    if (code === 'ELOOP') throw new ToolError(`"${display}" is a symlink; refused`, { code: 'E_PATH_SYMLINK', cause: err });
    throw new ToolError(`cannot read "${display}": ${(err as Error).message}`, { cause: err });
  }
  try {
    const fst = await handle.stat();
    if (!fst.isFile()) refuseKind(fst, display);
    await checkDescriptor(handle, jailed, display);
    return { handle, size: fst.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

export interface WriteHandle {
  handle: FileHandle;
  /** The file's size when opened (before any truncation). */
  size: number;
}

/**
 * Opens a regular file inside its root for writing, creating it when missing (the parent
 * folder must exist and have been checked). It is not truncated: the caller truncates once
 * it has decided to write. A file created outside the root by a race is removed again.
 */
export async function openForWriteChecked(jailed: JailedPath, display: string, append: boolean): Promise<WriteHandle> {
  const base = fsc.O_WRONLY | NOFOLLOW | NONBLOCK | (append ? fsc.O_APPEND : 0);
  const existing = await lstat(jailed.abs).catch(() => undefined);
  if (existing && !existing.isFile()) refuseKind(existing, display);
  await openHooks.beforeOpen?.(jailed.abs);
  let handle: FileHandle;
  let created = false;
  try {
    try {
      handle = await open(jailed.abs, base | fsc.O_CREAT | fsc.O_EXCL, 0o644);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      handle = await open(jailed.abs, base);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ToolError(`"${display}" is a symlink; refusing to write through it`, { code: 'E_PATH_SYMLINK', cause: err });
    // ENXIO: a FIFO with no reader, opened without blocking.
    if (code === 'ENXIO') throw new ToolError(`"${display}" is not a regular file; refused`, { code: 'E_PATH', cause: err });
    throw new ToolError(`cannot open "${display}" for writing: ${(err as Error).message}`, { cause: err });
  }
  try {
    await checkDescriptor(handle, jailed, display).catch(async (err: unknown) => {
      // The race put our new file outside the root: take it back, by the path the descriptor names.
      if (created) {
        const where = await descriptorPath(handle);
        if (where) await unlink(where).catch(() => undefined);
      }
      throw err;
    });
    const st = await handle.stat();
    if (!st.isFile()) refuseKind(st, display);
    if (st.nlink > 1) {
      throw new ToolError(`"${display}" has ${st.nlink} hard links (one may lead outside the ${jailed.rootName}); refusing to write to it`, {
        code: 'E_PATH_LINK',
      });
    }
    return { handle, size: st.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The parent folder of a jailed path, re-checked to lie inside the root (after mkdir). */
export async function checkedParent(jailed: JailedPath, display: string): Promise<string> {
  const dir = path.dirname(jailed.abs);
  const realDir = await realpath(dir);
  if (!isInside(jailed.root, realDir)) {
    throw new ToolError(`path "${display}" goes through a symlink that points outside the ${jailed.rootName}; refused`, {
      code: 'E_PATH_SYMLINK',
    });
  }
  return path.join(realDir, path.basename(jailed.abs));
}
