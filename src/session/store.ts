/** Reads and writes session.json and agent.json: atomic writes, schema-checked reads. */
import fs from 'node:fs';
import { writeJsonAtomicSync } from '../util/fs.js';
import { AgentRecordSchema, SessionRecordSchema, type AgentRecord, type SessionRecord } from './records.js';
import { agentPaths, sessionPaths } from './layout.js';
import { PARSED_ONCE } from '../contracts/parse-once.js';

// session.json and agent.json are small local files, read with one synchronous call each:
// they are on every worker's way to `started`, where each awaited call is a thread-pool round trip.
export async function readSessionRecord(sessionDir: string): Promise<SessionRecord> {
  const file = sessionPaths(sessionDir).sessionJson;
  const text = fs.readFileSync(file, 'utf8');
  // The very text this process parsed last time (a warm spare re-reads at its hand-over the
  // session.json it read when it started): validated then, so only copied now.
  if (lastSession && lastSession.file === file && lastSession.text === text) return structuredClone(lastSession.record);
  const record = SessionRecordSchema.parse(JSON.parse(text), PARSED_ONCE);
  lastSession = { file, text, record: structuredClone(record) };
  return record;
}

/** The last session.json this process parsed, kept apart from what callers were given. */
let lastSession: { file: string; text: string; record: SessionRecord } | undefined;

export async function writeSessionRecord(sessionDir: string, record: SessionRecord): Promise<void> {
  writeJsonAtomicSync(sessionPaths(sessionDir).sessionJson, { ...record, updatedAt: new Date().toISOString() });
}

/** An agent's agent.json, checked. A worker reads its own once (PARSED_ONCE, the default). */
export async function readAgentRecord(sessionDir: string, agentId: string, parse: { jitless?: boolean } = PARSED_ONCE): Promise<AgentRecord> {
  return readAgentRecordSync(sessionDir, agentId, parse);
}

function readAgentRecordSync(sessionDir: string, agentId: string, parse: { jitless?: boolean }): AgentRecord {
  return AgentRecordSchema.parse(JSON.parse(fs.readFileSync(agentPaths(sessionDir, agentId).agentJson, 'utf8')), parse);
}

/**
 * Synchronous (a small local file, written a few times per worker): and so an
 * updateAgentRecord is one read-modify-write with no await inside, and two changes to one
 * agent made at the same time cannot lose either.
 */
export async function writeAgentRecord(sessionDir: string, record: AgentRecord): Promise<void> {
  writeJsonAtomicSync(agentPaths(sessionDir, record.id).agentJson, record);
}

/**
 * Merges a change into an agent's agent.json (read, then an atomic write). The coordinator
 * is its only writer while it runs; `mailroom kill` writes it only with no coordinator.
 */
export async function updateAgentRecord(sessionDir: string, agentId: string, change: Partial<AgentRecord>): Promise<void> {
  // With zod's compiled parser: the coordinator reads agent.json files a few times per worker
  // (spawned, started, ended), where the one-off parse cost it about 0.7 ms each (16 ms of
  // CPU in an 8-worker session, by profile).
  // No await before the write (writeAgentRecord runs to its end when called): two changes
  // made at once both land.
  const current = readAgentRecordSync(sessionDir, agentId, {});
  await writeAgentRecord(sessionDir, { ...current, ...change });
}

/**
 * What a worker needs to know of session.json while it runs: the epoch (to refuse orders
 * from a coordinator that has lost the session lock) and the coordinator's pid (to leave
 * once its coordinator is gone). Re-read at most every `ttlMs`.
 */
export class SessionWatch {
  private value: { epoch: number; coordinatorPid: number };
  private readAt: number;

  constructor(
    private readonly sessionDir: string,
    initial: { epoch: number; coordinatorPid: number },
    private readonly ttlMs = 500,
  ) {
    this.value = { epoch: initial.epoch, coordinatorPid: initial.coordinatorPid };
    this.readAt = Date.now();
  }

  epoch(): number {
    return this.current().epoch;
  }

  coordinatorPid(): number {
    return this.current().coordinatorPid;
  }

  private current(): { epoch: number; coordinatorPid: number } {
    if (Date.now() - this.readAt > this.ttlMs) {
      this.readAt = Date.now();
      try {
        const raw = JSON.parse(fs.readFileSync(sessionPaths(this.sessionDir).sessionJson, 'utf8')) as { epoch?: unknown; coordinatorPid?: unknown };
        if (typeof raw.epoch === 'number') this.value.epoch = raw.epoch;
        if (typeof raw.coordinatorPid === 'number') this.value.coordinatorPid = raw.coordinatorPid;
      } catch {
        // Mid-rename or unreadable: keep the last known values.
      }
    }
    return this.value;
  }
}
