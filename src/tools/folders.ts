/**
 * Folders inside a jail, without the races of check-then-act (the folder-side companion of
 * open.ts). Between `resolveInRoot`'s check and the act, a folder on the way can be swapped
 * for a symlink that leads out of the root:
 * - `makeParentsInside` creates missing parents one level at a time, each inside the
 *   descriptor of the level above, where `mkdir -p` would follow a swapped link and create
 *   folders outside;
 * - `readFolderInside` opens the folder itself (O_DIRECTORY | O_NOFOLLOW), checks where the
 *   descriptor really is, then lists and stats entries through that descriptor
 *   (`/proc/self/fd/N`), so a swap after the check cannot list outside names or sizes.
 */
import { constants as fsc, type Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ToolError } from '../errors.js';
import { openHooks } from './open.js';
import { isInside, type JailedPath } from './paths.js';

const DIRECTORY = fsc.O_DIRECTORY ?? 0;
const NOFOLLOW = fsc.O_NOFOLLOW ?? 0;

function ledOutside(display: string, rootName: string): ToolError {
  return new ToolError(`"${display}" led outside the ${rootName} (a folder swapped for a symlink?); refused`, { code: 'E_PATH_SYMLINK' });
}

/**
 * Creates the missing parent folders of `jailed.abs`, one level at a time, each inside the
 * folder descriptor of the level above (`/proc/self/fd/N/<name>`, the mkdirat of Node), so
 * a level swapped for a symlink meanwhile is refused instead of followed.
 */
export async function makeParentsInside(jailed: JailedPath, display: string): Promise<void> {
  const parent = path.dirname(jailed.abs);
  const rel = path.relative(jailed.root, parent);
  if (rel === '') return;
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw ledOutside(display, jailed.rootName);
  let dir = await open(jailed.root, fsc.O_RDONLY | DIRECTORY);
  try {
    const viaFd = await readlink(`/proc/self/fd/${dir.fd}`).then(() => true, () => false);
    let at = jailed.root;
    for (const part of rel.split(path.sep)) {
      at = path.join(at, part);
      // Without /proc, the plain path (narrower: the check after the loop still refuses).
      const child = viaFd ? `/proc/self/fd/${dir.fd}/${part}` : at;
      await openHooks.beforeMkdir?.(at);
      try {
        await mkdir(child);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new ToolError(`cannot create the folder for "${display}": ${(err as Error).message}`, { cause: err });
        }
      }
      let next;
      try {
        next = await open(child, fsc.O_RDONLY | DIRECTORY | NOFOLLOW);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') throw ledOutside(display, jailed.rootName);
        if (code === 'ENOTDIR') throw new ToolError(`"${path.relative(jailed.root, at)}" is not a folder; cannot write "${display}" under it`, { code: 'E_PATH' });
        throw new ToolError(`cannot create the folder for "${display}": ${(err as Error).message}`, { cause: err });
      }
      await dir.close();
      dir = next;
    }
  } finally {
    await dir.close();
  }
  // Each level was made inside the one above; the path itself must still lead there.
  const real = await realpath(parent).catch(() => undefined);
  if (real === undefined || !isInside(jailed.root, real)) throw ledOutside(display, jailed.rootName);
}

/** One entry of a folder, with its size when it is a regular file. */
export interface FolderEntry {
  name: string;
  kind: 'file' | 'folder' | 'symlink' | 'other';
  size: number;
}

/**
 * Lists a folder inside the root (name order). Throws E_PATH_SYMLINK when the folder, or one
 * on its way, now leads outside the root.
 */
export async function readFolderInside(root: string, rootName: string, abs: string, display: string): Promise<FolderEntry[]> {
  await openHooks.beforeOpen?.(abs);
  let handle;
  try {
    handle = await open(abs, fsc.O_RDONLY | DIRECTORY | NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') throw ledOutside(display, rootName);
    if (code === 'ENOENT') throw new ToolError(`folder not found: ${display}`, { code: 'E_NOT_FOUND', cause: err });
    throw new ToolError(`cannot list "${display}": ${(err as Error).message}`, { cause: err });
  }
  try {
    const viaFd = `/proc/self/fd/${handle.fd}`;
    const real = await readlink(viaFd).catch(() => undefined);
    // Without /proc, the folder's own real path (narrower, but still a check) and its path.
    const base = real === undefined ? abs : viaFd;
    if (!isInside(root, real ?? (await realpath(abs)))) throw ledOutside(display, rootName);
    const dirents: Dirent[] = await readdir(base, { withFileTypes: true });
    dirents.sort((a, b) => a.name.localeCompare(b.name));
    const out: FolderEntry[] = [];
    for (const e of dirents) {
      if (e.isSymbolicLink()) out.push({ name: e.name, kind: 'symlink', size: 0 });
      else if (e.isDirectory()) out.push({ name: e.name, kind: 'folder', size: 0 });
      else if (e.isFile()) out.push({ name: e.name, kind: 'file', size: await lstat(path.join(base, e.name)).then((s) => s.size, () => 0) });
      else out.push({ name: e.name, kind: 'other', size: 0 });
    }
    return out;
  } finally {
    await handle.close();
  }
}
