/**
 * Turning a request's session and agent ids into folders, refusing anything that could
 * leave the runtime dir: `..`, absolute paths, encoded forms (already decoded once by the
 * router, and checked again here) and symlinks. Ids must match the layout's patterns, so
 * no other path can ever be built from them.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MailroomError } from '../errors.js';
import { AgentIdSchema } from '../contracts/envelope.js';
import { SESSION_ID_PATTERN, agentPaths, sessionsDir } from '../session/layout.js';
import type { SessionRef } from '../inspect/session-data.js';

/** A refusal with the HTTP status to answer with. */
export class PathRefused extends MailroomError {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(status === 400 ? 'E_BAD_PATH' : 'E_NOT_FOUND', message);
  }
}

/** True when a raw request path has a traversal, a backslash or a NUL, in plain or %-encoded form. */
export function hasTraversal(rawPath: string): boolean {
  let p = rawPath;
  // Decode a few times: %252e%252e is `..` after two rounds.
  for (let i = 0; i < 3; i++) {
    if (/(^|[/\\])\.\.([/\\]|$)|\\|\0/.test(p)) return true;
    let next: string;
    try {
      next = decodeURIComponent(p);
    } catch {
      return true; // a malformed escape is refused rather than guessed at
    }
    if (next === p) break;
    p = next;
  }
  return /(^|[/\\])\.\.([/\\]|$)|\\|\0/.test(p);
}

async function realDir(dir: string, what: string): Promise<string> {
  const st = await fsp.lstat(dir).catch(() => undefined);
  if (!st) throw new PathRefused(404, `${what} not found`);
  if (st.isSymbolicLink()) throw new PathRefused(404, `${what} is a symlink; the viewer does not follow links`);
  if (!st.isDirectory()) throw new PathRefused(404, `${what} is not a folder`);
  return fsp.realpath(dir);
}

/** The session folder for `id`, checked to be a real folder inside the runtime dir. */
export async function resolveSession(runtimeDir: string, id: string): Promise<SessionRef> {
  if (!SESSION_ID_PATTERN.test(id)) throw new PathRefused(400, `not a session id: ${JSON.stringify(id.slice(0, 80))}`);
  const root = await fsp.realpath(sessionsDir(runtimeDir)).catch(() => {
    throw new PathRefused(404, 'no sessions folder under the runtime dir');
  });
  const dir = await realDir(path.join(root, id), `session ${id}`);
  if (path.dirname(dir) !== root) throw new PathRefused(404, `session ${id} is outside the runtime dir`);
  return { id, dir, runtimeDir };
}

/** The agent folder of a session, checked the same way. */
export async function resolveAgent(ref: SessionRef, agent: string): Promise<string> {
  if (!AgentIdSchema.safeParse(agent).success) throw new PathRefused(400, `not an agent id: ${JSON.stringify(agent.slice(0, 80))}`);
  const dir = await realDir(agentPaths(ref.dir, agent).dir, `agent ${agent}`);
  if (path.dirname(path.dirname(dir)) !== ref.dir) throw new PathRefused(404, `agent ${agent} is outside its session`);
  return dir;
}
