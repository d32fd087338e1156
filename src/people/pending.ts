/** Every open request to people, across all sessions under a runtime dir (for `mailroom pending` and the viewer). */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { SESSION_ID_PATTERN, resolveRuntimeDir, sessionPaths, sessionsDir } from '../session/layout.js';
import { listRequests, shownOf, type RequestShown, type StoredRequest } from './store.js';

/** An open request as `pending` lists it: what people are shown, where it is, and how to answer it. */
export interface PendingRequest extends RequestShown {
  session: string;
  sessionDir: string;
  ageMs: number;
  /** What to run to answer it. */
  command: string;
}

/** The open requests (no reply yet) of every session that is not completed, oldest first. */
export async function pendingRequests(runtimeOpt?: string, now = Date.now()): Promise<PendingRequest[]> {
  const root = sessionsDir(resolveRuntimeDir(runtimeOpt));
  const ids = (await fsp.readdir(root).catch(() => [] as string[])).filter((n) => SESSION_ID_PATTERN.test(n)).sort();
  const all = await Promise.all(
    ids.map(async (id) => {
      const dir = path.join(root, id);
      // A completed session waits for nobody: whatever it left open is moot.
      if ((await sessionStatus(dir)) === 'completed') return [];
      return (await listRequests(dir)).filter((r) => !r.reply).map((r) => toPending(id, dir, r, now));
    }),
  );
  return all.flat().sort((a, b) => a.sentAt - b.sentAt);
}

async function sessionStatus(dir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await fsp.readFile(sessionPaths(dir).sessionJson, 'utf8')) as { status?: string }).status;
  } catch {
    return undefined;
  }
}

/** One request as `pending` shows it. */
export function toPending(session: string, sessionDir: string, r: StoredRequest, now = Date.now()): PendingRequest {
  return {
    session,
    sessionDir,
    ...shownOf(r),
    ageMs: Math.max(0, now - r.sentAt),
    command: r.kind === 'approval' ? `mailroom approve ${session} ${r.id}` : `mailroom answer ${session} ${r.id} "..."`,
  };
}
