/** Reads and writes session.json and agent.json: atomic writes, schema-checked reads. */
import fs from 'node:fs';
import { readJson, writeJsonAtomic } from '../util/fs.js';
import { AgentRecordSchema, SessionRecordSchema, type AgentRecord, type SessionRecord } from './records.js';
import { agentPaths, sessionPaths } from './layout.js';

export async function readSessionRecord(sessionDir: string): Promise<SessionRecord> {
  return SessionRecordSchema.parse(await readJson(sessionPaths(sessionDir).sessionJson));
}

export async function writeSessionRecord(sessionDir: string, record: SessionRecord): Promise<void> {
  await writeJsonAtomic(sessionPaths(sessionDir).sessionJson, { ...record, updatedAt: new Date().toISOString() });
}

export async function readAgentRecord(sessionDir: string, agentId: string): Promise<AgentRecord> {
  return AgentRecordSchema.parse(await readJson(agentPaths(sessionDir, agentId).agentJson));
}

export async function writeAgentRecord(sessionDir: string, record: AgentRecord): Promise<void> {
  await writeJsonAtomic(agentPaths(sessionDir, record.id).agentJson, record);
}

/**
 * The session's current epoch, re-read from session.json at most every `ttlMs`. Workers
 * use it to refuse orders from a coordinator that has since lost the session lock.
 */
export class EpochWatch {
  private value: number;
  private readAt = 0;

  constructor(
    private readonly sessionDir: string,
    initial: number,
    private readonly ttlMs = 500,
  ) {
    this.value = initial;
    this.readAt = Date.now();
  }

  current(): number {
    if (Date.now() - this.readAt > this.ttlMs) {
      this.readAt = Date.now();
      try {
        const raw = JSON.parse(fs.readFileSync(sessionPaths(this.sessionDir).sessionJson, 'utf8')) as { epoch?: unknown };
        if (typeof raw.epoch === 'number') this.value = raw.epoch;
      } catch {
        // Mid-rename or unreadable: keep the last known epoch.
      }
    }
    return this.value;
  }
}
