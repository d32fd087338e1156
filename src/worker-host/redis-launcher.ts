/**
 * The coordinator's side of worker hosts. Workers are handed to hosts as assignments; the
 * coordinator keeps its session folder on its own machine, and every mailbox of the session
 * is a Redis stream (`transport`, which the coordinator reads and sends on directly). This
 * launcher carries what else crosses machines: heartbeats (keys with a TTL) onto the local
 * heartbeat files the supervisor reads, transcript and log lines into the local agent
 * folders, and the person's requests into `agents/human/` here, where people answer them.
 * A host that dies stops extending its workers' alive keys, so they count as crashed and
 * the usual retry policy respawns them, on whichever host takes the new assignment.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { useSessionRedis } from '../mailbox/session-redis.js';
import { MailroomError } from '../errors.js';
import type { Logger } from '../log.js';
import { connectRedis } from '../mailbox/redis/connect.js';
import { parseEntries } from '../mailbox/redis/replies.js';
import { RedisTransport } from '../mailbox/redis/transport.js';
import type { TransportReader } from '../mailbox/transport.js';
import type { LaunchedWorker, WorkerLauncher } from '../engine/process/launcher.js';
import type { TerminateOptions, TerminationStep } from '../engine/process/terminate.js';
import { COORDINATOR_ID, HUMAN_ID, agentPaths, sessionPaths } from '../session/layout.js';
import type { SessionRecord } from '../session/records.js';
import { ASSIGN_STREAM, aliveKey, fileStream, heartbeatKey, hostControlStream, reportStream, type Assignment, type Control } from './protocol.js';
import { redisToFs } from './person-inbox.js';
import { StreamToFile } from './tail.js';

export interface RedisLauncherOptions {
  redisUrl: string;
  sessionDir: string;
  record: SessionRecord;
  logger: Logger;
  /** How long a spawn waits for a host to take the assignment. Default 60000 ms. */
  assignTimeoutMs?: number;
}

interface Report {
  event: string;
  agent: string;
  attempt: string;
  host: string;
  pid: string;
  exit?: string;
}

export class RedisLauncher implements WorkerLauncher {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  /** The session's mailboxes: one stream each. */
  readonly transport: RedisTransport;
  private readonly sessionId: string;
  /** The person's inbox: their stream filed into agents/human/ on this machine. */
  private personInbox: TransportReader | undefined;
  private readonly mirrors = new Map<string, StreamToFile[]>();
  private readonly waiters = new Map<string, (r: Report) => void>();
  private readonly exits = new Map<string, () => void>();
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reportsFrom = '0-0';
  private closed = false;
  /** Ends the in-process registration of this session's artifacts in Redis. */
  private readonly artifactsOff: () => void;

  constructor(private readonly opts: RedisLauncherOptions) {
    this.sessionId = opts.record.id;
    this.client = connectRedis(opts.redisUrl, { name: `mailroom-coordinator-${this.sessionId}` });
    this.transport = new RedisTransport(this.client, this.sessionId);
    // The coordinator's own artifacts (large outputs passed by reference) go where the workers read.
    this.artifactsOff = useSessionRedis(opts.sessionDir, opts.redisUrl);
  }

  /** The person's inbox, the report reader and the mirror timer; once. */
  private ensureStarted(): Promise<void> {
    this.started ??= (async () => {
      await this.transport.createMailbox(COORDINATOR_ID);
      await this.transport.createMailbox(HUMAN_ID);
      // A person answers where the session folder is (`mailroom pending`, `approve`, the
      // viewer): requests sent from any host are filed there, and the replies go back
      // through the transport (people/respond.ts).
      this.personInbox = redisToFs(this.client, { sessionDir: this.opts.sessionDir, sessionId: this.sessionId, agentId: HUMAN_ID, logger: this.opts.logger });
      await this.personInbox.start();
      for (const agent of await this.transport.agents()) if (agent !== COORDINATOR_ID && agent !== HUMAN_ID) this.mirror(agent);
      this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.opts.logger.warn({ err }, 'redis launcher: mirror pass failed')), 200);
    })();
    return this.started;
  }

  private mirror(agent: string): void {
    if (this.mirrors.has(agent)) return;
    const paths = agentPaths(this.opts.sessionDir, agent);
    fs.mkdirSync(paths.dir, { recursive: true });
    this.mirrors.set(agent, [
      new StreamToFile(this.client, fileStream(this.sessionId, agent, 'transcript'), paths.transcript),
      new StreamToFile(this.client, fileStream(this.sessionId, agent, 'log'), paths.log),
    ]);
  }

  /** Reports, heartbeats onto local files, transcript and log lines. */
  private async tick(): Promise<void> {
    if (this.closed) return;
    const rows = parseEntries(await this.client.xrange(reportStream(this.sessionId), `(${this.reportsFrom}`, '+', 'COUNT', 100));
    for (const r of rows) {
      this.reportsFrom = r.id;
      const rep = r.fields as unknown as Report;
      const key = `${rep.agent}#${rep.attempt}`;
      if (rep.event === 'spawned') this.waiters.get(key)?.(rep);
      if (rep.event === 'exited') this.exits.get(key)?.();
    }
    // Heartbeats first: a long transcript or log to copy must not leave them behind.
    await this.beats();
    for (const tails of this.mirrors.values()) for (const t of tails) await t.poll();
  }

  /** Every mirrored worker's heartbeat key onto its local heartbeat file's mtime. */
  private async beats(): Promise<void> {
    for (const agent of this.mirrors.keys()) {
      const beat = await this.client.get(heartbeatKey(this.sessionId, agent));
      if (!beat) continue;
      const at = new Date(Number(beat));
      const file = agentPaths(this.opts.sessionDir, agent).heartbeat;
      await fsp.utimes(file, at, at).catch(async () => {
        await fsp.writeFile(file, '');
        await fsp.utimes(file, at, at);
      });
    }
  }

  async spawn(sessionDir: string, agentId: string, attempt: number): Promise<LaunchedWorker> {
    await this.ensureStarted();
    await this.transport.createMailbox(agentId);
    this.mirror(agentId);
    const paths = agentPaths(sessionDir, agentId);
    const transcript = await fsp.readFile(paths.transcript, 'utf8').catch(() => undefined);
    const assignment: Assignment = {
      session: this.sessionId,
      agent: agentId,
      attempt,
      sessionJson: await fsp.readFile(sessionPaths(sessionDir).sessionJson, 'utf8'),
      agentJson: await fsp.readFile(paths.agentJson, 'utf8'),
      ...(transcript !== undefined ? { transcript } : {}),
      heartbeatMs: this.opts.record.options.heartbeatIntervalMs,
      aliveTtlMs: this.opts.record.options.heartbeatIntervalMs * Math.max(3, this.opts.record.options.heartbeatMisses),
    };
    const key = `${agentId}#${attempt}`;
    const spawned = new Promise<Report>((resolve) => this.waiters.set(key, resolve));
    const exited = new Promise<void>((resolve) => this.exits.set(key, resolve));
    await this.client.xadd(ASSIGN_STREAM, '*', 'json', JSON.stringify(assignment));
    const limit = this.opts.assignTimeoutMs ?? 60_000;
    // The deadline is cancelled once a host answers: a pending 60 s timer would keep the
    // coordinator's process alive that long after its session ended.
    const deadline = new AbortController();
    const rep = await Promise.race([spawned, sleep(limit, undefined, { signal: deadline.signal }).catch(() => undefined)]);
    deadline.abort();
    this.waiters.delete(key);
    if (!rep) throw new MailroomError('E_NO_WORKER_HOST', `no worker host took ${agentId} (attempt ${attempt}) within ${limit} ms: is a \`mailroom worker-host\` running against this Redis?`);
    this.opts.logger.info({ worker: agentId, host: rep.host, pid: rep.pid }, 'worker started on a host');
    return { pid: Number(rep.pid), host: rep.host, exited };
  }

  /** `<host> <pid> <attempt>` while the host sees the process alive. */
  private async alive(agentId: string): Promise<{ host: string; pid: number; attempt: number } | undefined> {
    const v = await this.client.get(aliveKey(this.sessionId, agentId));
    if (!v) return undefined;
    const [host, pid, attempt] = v.split(' ');
    return { host: host!, pid: Number(pid), attempt: Number(attempt) };
  }

  async isAlive(agentId: string, pid: number): Promise<boolean> {
    // A host drops the key only after the process exited, so its last XADDs are in the
    // coordinator's stream by then; the supervisor pumps its reader before it judges.
    return (await this.alive(agentId))?.pid === pid;
  }

  isWorker(agentId: string, pid: number): Promise<boolean> {
    return this.isAlive(agentId, pid);
  }

  async waitForExit(agentId: string, pid: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!(await this.isAlive(agentId, pid))) return true;
      await sleep(100);
    }
    return !(await this.isAlive(agentId, pid));
  }

  /** The ladder across machines: the shutdown message here, the signals by the worker's host. */
  async terminate(agentId: string, opts: TerminateOptions): Promise<TerminationStep> {
    const at = await this.alive(agentId);
    if (!at || at.pid !== opts.pid) {
      await opts.onStep?.('gone');
      return 'gone';
    }
    if (!opts.force) {
      await opts.onStep?.('shutdown');
      await opts.sendShutdown().catch(() => undefined);
      if (await this.waitForExit(agentId, opts.pid, opts.shutdownGraceMs)) return this.gone(opts, 'shutdown');
    }
    await opts.onStep?.('SIGTERM');
    const req: Control = { session: this.sessionId, agent: agentId, attempt: at.attempt, action: 'signal', termGraceMs: opts.termGraceMs };
    await this.client.xadd(hostControlStream(at.host), '*', 'json', JSON.stringify(req));
    if (await this.waitForExit(agentId, opts.pid, opts.termGraceMs + 1000)) return this.gone(opts, 'SIGTERM');
    await opts.onStep?.('SIGKILL');
    // The host sends SIGKILL termGraceMs after SIGTERM; a host that is gone lets the key expire.
    if (await this.waitForExit(agentId, opts.pid, opts.termGraceMs + this.opts.record.options.heartbeatIntervalMs * Math.max(3, this.opts.record.options.heartbeatMisses) + 5000)) return this.gone(opts, 'SIGKILL');
    throw new MailroomError('E_TERMINATE', `worker ${agentId} (pid ${opts.pid} on host ${at.host}) is still alive after SIGKILL`);
  }

  private async gone(opts: TerminateOptions, last: TerminationStep): Promise<TerminationStep> {
    await opts.onStep?.('gone');
    return last;
  }

  /**
   * The workers alive on the hosts, for resume, by their alive keys. A worker whose key is
   * gone has exited, and its last messages are in the coordinator's stream: reconcile pumps
   * the coordinator's reader after this and before it judges. The heartbeat files are
   * refreshed last, just before the caller judges them.
   */
  async findWorkers(): Promise<Map<string, number>> {
    await this.ensureStarted();
    const out = new Map<string, number>();
    for (const agent of await this.transport.agents()) {
      if (agent === COORDINATOR_ID || agent === HUMAN_ID) continue;
      const at = await this.alive(agent);
      if (at) {
        out.set(agent, at.pid);
        this.mirror(agent);
      }
    }
    await this.tick();
    await this.beats();
    return out;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tick().catch(() => undefined);
    this.closed = true;
    await this.personInbox?.stop().catch(() => undefined);
    await this.client.quit().catch(() => this.client.disconnect());
    this.artifactsOff();
  }
}
