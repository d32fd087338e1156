/** Creates a new session's folder and its first session.json. */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SessionOptions } from '../config.js';
import { createMailbox } from '../mailbox/maildir.js';
import { HUMAN_ID, newSessionId, replyFile, sessionPaths, sessionsDir } from './layout.js';
import type { SessionRecord } from './records.js';
import { writeSessionRecord } from './store.js';

export interface NewSession {
  dir: string;
  record: SessionRecord;
}

/** Makes `<runtime>/sessions/<id>/` with agents/ (and the human mailbox), artifacts/ and workspace/, and writes session.json. */
export async function createSessionFolder(
  runtimeDir: string,
  init: { options: SessionOptions; provider: string; models: SessionRecord['models'] },
): Promise<NewSession> {
  const id = newSessionId();
  const dir = path.join(sessionsDir(runtimeDir), id);
  const paths = sessionPaths(dir);
  for (const d of [paths.agents, paths.artifacts, paths.workspace]) await fs.mkdir(d, { recursive: true });
  await createHumanMailbox(dir);
  const now = new Date().toISOString();
  const record: SessionRecord = {
    v: 1,
    id,
    task: init.options.task,
    options: init.options,
    provider: init.provider,
    models: init.models,
    status: 'running',
    createdAt: now,
    updatedAt: now,
    coordinatorPid: process.pid,
    epoch: 0,
  };
  await writeSessionRecord(dir, record);
  return { dir, record };
}

/** The `human` agent's mailbox and replies folder (also made on resume, for older sessions). */
export async function createHumanMailbox(dir: string): Promise<void> {
  await createMailbox(dir, HUMAN_ID);
  await fs.mkdir(path.dirname(replyFile(dir, 'x')), { recursive: true });
}
