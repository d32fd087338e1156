/**
 * What the research tools keep out of the source folder by default: mailroom's own runtime
 * folder (other sessions' transcripts, logs and mail) and files that usually hold secrets
 * (`.env*`, `*.pem`, `*.key`, SSH keys `id_*`, `.netrc`, `.npmrc`, `.pgpass`). The session
 * option `includePrivateFiles` (CLI `--include-private-files`) lets them in.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const SECRET_NAMES = [
  /^\.env(\..*)?$/i,
  /\.pem$/i,
  /\.key$/i,
  // SSH keys: id_rsa, id_ed25519, their .pub halves; not source files such as id_map.py.
  /^id_[\w-]+(\.pub)?$/,
  /^\.(netrc|npmrc|pgpass)$/,
];

/** True for a file or folder name that usually holds secrets. */
export function isSecretName(name: string): boolean {
  return SECRET_NAMES.some((re) => re.test(name));
}

/**
 * True when `absDir` is a mailroom `sessions` folder: a folder named `sessions` with a
 * session folder (one holding session.json) in it. A runtime folder may live anywhere
 * (`--runtime-dir`), so it is recognized by its shape, not its name.
 */
export async function isSessionsFolder(absDir: string): Promise<boolean> {
  if (path.basename(absDir) !== 'sessions') return false;
  let names: string[];
  try {
    names = await readdir(absDir);
  } catch {
    return false;
  }
  for (const name of names.slice(0, 20)) {
    if (await stat(path.join(absDir, name, 'session.json')).then((st) => st.isFile(), () => false)) return true;
  }
  return false;
}

/**
 * Why a path under a source root is private, or undefined when it is not. `rel` is the
 * normalized relative path; every folder on the way and the name itself are checked.
 */
export async function privateReason(root: string, rel: string): Promise<string | undefined> {
  if (rel === '.') return undefined;
  const parts = rel.split('/');
  let dir = root;
  for (const [i, part] of parts.entries()) {
    if (isSecretName(part)) return `"${parts.slice(0, i + 1).join('/')}" looks like a file that holds secrets`;
    dir = path.join(dir, part);
    if (await isSessionsFolder(dir)) return `"${parts.slice(0, i + 1).join('/')}" is mailroom's runtime folder (other sessions' transcripts)`;
  }
  return undefined;
}
