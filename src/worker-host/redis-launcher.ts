/**
 * The coordinator's side of worker hosts. Workers are handed to hosts as assignments;
 * the coordinator keeps its session folder and Maildir mailboxes on its own machine, and
 * this launcher bridges them: each worker's local mailbox is relayed to its Redis stream,
 * the coordinator's Redis stream back into its local mailbox, heartbeats (keys with a TTL)
 * onto the local heartbeat files the supervisor reads, and transcript and log lines into
 * the local agent folders. A host that dies stops extending its workers' alive keys, so
 * they count as crashed and the usual retry policy respawns them, on whichever host takes
 * the new assignment.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { useRedisArtifacts } from '../artifacts/where.js';
import { MailroomError } from '../errors.js';
import type { Logger } from '../log.js';
import { mailboxDir } from '../mailbox/maildir.js';
import { connectRedis } from '../mailbox/redis/connect.js';
import { parseEntries } from '../mailbox/redis/replies.js';
import { RedisTransport } from '../mailbox/redis/transport.js';
import type { TransportReader } from '../mailbox/transport.js';
import type { LaunchedWorker, WorkerLauncher } from '../engine/process/launcher.js';
import type { TerminateOptions, TerminationStep } from '../engine/process/terminate.js';
import { COORDINATOR_ID, agentPaths, sessionPaths } from '../session/layout.js';
import type { SessionRecord } from '../session/records.js';
import { ASSIGN_STREAM, aliveKey, fileStream, heartbeatKey, hostControlStream, reportStream, type Assignment, type Control } from './protocol.js';
import { fsToRedis, redisToFs } from './relay.js';
import { StreamToFile } from './tail.js';

export interface RedisLauncherOptions {
  redisUrl: string;
  sessionDir: string;
  record: SessionRecord;
  logger: Logger;
  /** How long a spawn waits for a host to take the assignment. Default 60000 ms. */
  assignTimeoutMs?: number;
}

/** How long resume waits for the coordinator's reader to handle the relayed backlog. */
const DRAIN_WAIT_MS = 15_000;

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
  private readonly transport: RedisTransport;
  private readonly sessionId: string;
  private readonly relays = new Map<string, TransportReader>();
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
    this.artifactsOff = useRedisArtifacts(opts.sessionDir, opts.redisUrl);
  }

  /** The coordinator's inbound relay, the report reader and the mirror timer; once. */
  private ensureStarted(): Promise<void> {
    this.started ??= (async () => {
      await this.transport.createMailbox(COORDINATOR_ID);
      const inbound = redisToFs(this.client, { sessionDir: this.opts.sessionDir, sessionId: this.sessionId, agentId: COORDINATOR_ID, logger: this.opts.logger });
      await inbound.start();
      this.relays.set(COORDINATOR_ID, inbound);
      for (const agent of await this.transport.agents()) if (agent !== COORDINATOR_ID) this.mirror(agent);
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
    if (!this.relays.has(agentId)) {
      const out = fsToRedis(this.client, { sessionDir, sessionId: this.sessionId, agentId, logger: this.opts.logger });
      await out.start();
      this.relays.set(agentId, out);
    }
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
    if ((await this.alive(agentId))?.pid === pid) return true;
    // The host relays the worker's last messages before it drops the key: bring them into
    // the local mailbox now, so a finished worker is not mistaken for a crashed one.
    await this.relays.get(COORDINATOR_ID)?.pump();
    return false;
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
   * The workers alive on the hosts, for resume. Their alive keys are read first: a worker
   * whose key is gone has relayed its last messages (a host drops the key after flushing
   * them), and those are brought into the local mailbox and handled there before this
   * returns, so a worker that finished while no coordinator ran is seen finished, not lost.
   * The heartbeat files are refreshed last, just before the caller judges them.
   */
  async findWorkers(): Promise<Map<string, number>> {
    await this.ensureStarted();
    const out = new Map<string, number>();
    for (const agent of await this.transport.agents()) {
      if (agent === COORDINATOR_ID) continue;
      const at = await this.alive(agent);
      if (at) {
        out.set(agent, at.pid);
        this.mirror(agent);
        if (!this.relays.has(agent)) {
          const out2 = fsToRedis(this.client, { sessionDir: this.opts.sessionDir, sessionId: this.sessionId, agentId: agent, logger: this.opts.logger });
          await out2.start();
          this.relays.set(agent, out2);
        }
      }
    }
    await this.drainInbound();
    await this.tick();
    await this.beats();
    return out;
  }

  /**
   * Relays what waits in the coordinator's Redis stream into its local mailbox, then waits
   * (bounded) until the coordinator's reader has taken those files out of new/.
   */
  private async drainInbound(): Promise<void> {
    const inbound = this.relays.get(COORDINATOR_ID);
    if (!inbound) return;
    // pump() queues behind the relay's own pass: a 0 means everything sent so far is here.
    for (let i = 0; i < 1000 && (await inbound.pump()) > 0; i++);
    const newDir = path.join(mailboxDir(this.opts.sessionDir, COORDINATOR_ID), 'new');
    const waiting = new Set(await fsp.readdir(newDir).catch(() => [] as string[]));
    const deadline = Date.now() + DRAIN_WAIT_MS;
    while (waiting.size > 0 && Date.now() < deadline) {
      await sleep(50);
      const still = new Set(await fsp.readdir(newDir).catch(() => [] as string[]));
      for (const n of waiting) if (!still.has(n)) waiting.delete(n);
    }
    if (waiting.size > 0) this.opts.logger.warn({ files: waiting.size }, 'redis launcher: relayed messages not yet handled when resume judges the workers');
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.tick().catch(() => undefined);
    this.closed = true;
    for (const r of this.relays.values()) await r.stop().catch(() => undefined);
    await this.client.quit().catch(() => this.client.disconnect());
    this.artifactsOff();
  }
}
