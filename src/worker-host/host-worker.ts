/**
 * One worker attempt on a worker host: its local copy of the session folder, the process
 * itself (spawn.ts, as locally; it reads and writes its mail on the session's Redis streams,
 * named by the copy's redis.url), and what the host reports about it: the alive key (TTL),
 * the heartbeat key, transcript and log lines, and the spawn and exit reports.
 */
import fsp from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { heartbeatAge } from '../agent/heartbeat.js';
import type { Logger } from '../log.js';
import { spawnWorker, type SpawnedWorker } from '../engine/process/spawn.js';
import { agentPaths, sessionPaths } from '../session/layout.js';
import { writeTextAtomic } from '../util/fs.js';
import { aliveKey, fileStream, heartbeatKey, reportStream, workerKey, type Assignment } from './protocol.js';
import { FileToStream } from './tail.js';

export interface HostWorkerDeps {
  client: Redis;
  host: string;
  sessionDir: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

export class HostWorker {
  private worker: SpawnedWorker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tails: FileToStream[] = [];
  private spawnedAt = 0;
  /** Resolves once the process has exited and the exit is reported. */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: HostWorkerDeps,
    readonly a: Assignment,
  ) {}

  get pid(): number | undefined {
    return this.worker?.pid;
  }

  /** Writes the local session files, spawns the worker, reports it. */
  async start(): Promise<void> {
    const { sessionDir, client, host } = this.deps;
    const a = this.a;
    const paths = agentPaths(sessionDir, a.agent);
    await fsp.mkdir(paths.dir, { recursive: true });
    await fsp.mkdir(sessionPaths(sessionDir).workspace, { recursive: true });
    await fsp.mkdir(sessionPaths(sessionDir).artifacts, { recursive: true });
    // This host stands in for the coordinator here: a worker whose host is gone exits on its own.
    const record = { ...(JSON.parse(a.sessionJson) as Record<string, unknown>), coordinatorPid: process.pid };
    await writeTextAtomic(sessionPaths(sessionDir).sessionJson, JSON.stringify(record, null, 2) + '\n');
    await writeTextAtomic(paths.agentJson, a.agentJson);
    const sizeOf = async (f: string) => (await fsp.stat(f).catch(() => undefined))?.size ?? 0;
    let transcriptFrom: number | undefined;
    if (a.transcript !== undefined) {
      // The coordinator sends the transcript as its stream brought it. This host's own file
      // can be longer: lines the worker wrote that were never forwarded (the host frozen, or
      // gone, before its next tick). When the file extends the copy, it is kept, and the
      // lines past the copy are forwarded now; written over, the respawn lost them (a
      // continued call waiting for a person was replaced by a fresh model call).
      const local = await fsp.readFile(paths.transcript, 'utf8').catch(() => '');
      if (local.length > a.transcript.length && local.startsWith(a.transcript)) transcriptFrom = Buffer.byteLength(a.transcript);
      else await writeTextAtomic(paths.transcript, a.transcript);
    }
    this.tails = [
      new FileToStream(client, paths.transcript, fileStream(a.session, a.agent, 'transcript'), transcriptFrom ?? (await sizeOf(paths.transcript))),
      new FileToStream(client, paths.log, fileStream(a.session, a.agent, 'log'), await sizeOf(paths.log)),
    ];

    const w = spawnWorker(sessionDir, a.agent, this.deps.env ?? process.env);
    this.worker = w;
    this.spawnedAt = Date.now();
    await this.beat();
    await client.hset(workerKey(a.session, a.agent), { host, pid: String(w.pid), attempt: String(a.attempt), state: 'running' });
    await client.xadd(reportStream(a.session), '*', 'event', 'spawned', 'agent', a.agent, 'attempt', String(a.attempt), 'host', host, 'pid', String(w.pid));
    this.deps.logger.info({ agent: a.agent, attempt: a.attempt, pid: w.pid }, 'worker spawned');
    this.timer = setInterval(() => void this.beat().catch(() => undefined), Math.max(100, Math.floor(a.heartbeatMs / 2)));
    this.done = w.exited.then((exit) => this.finish(exit));
  }

  /** Extends the alive key, publishes the heartbeat, forwards new transcript and log lines. */
  private async beat(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    const { client, host } = this.deps;
    // A loaded host may beat late; the key lives as long as the coordinator's staleness bound.
    const ttl = String(this.a.aliveTtlMs);
    const pipe = client.pipeline();
    pipe.set(aliveKey(this.a.session, this.a.agent), `${host} ${w.pid} ${this.a.attempt}`, 'PX', ttl);
    const age = heartbeatAge(agentPaths(this.deps.sessionDir, this.a.agent).heartbeat);
    // Until the new process beats, its spawn is its last sign of life (a heartbeat file left
    // by an earlier attempt here is older): a coordinator resuming meanwhile must not take
    // a worker that is still starting for a silent one.
    const last = Math.max(this.spawnedAt, age !== undefined ? Date.now() - age : 0);
    pipe.set(heartbeatKey(this.a.session, this.a.agent), String(last), 'PX', ttl);
    await pipe.exec();
    for (const t of this.tails) await t.poll().catch(() => undefined);
  }

  private async finish(exit: { code: number | null; signal: NodeJS.Signals | null }): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const { client, host } = this.deps;
    const a = this.a;
    for (const t of this.tails) await t.poll().catch(() => undefined);
    // The worker's last messages are in Redis already: it awaited each XADD before it exited.
    const exitText = exit.signal ?? String(exit.code);
    // Only our attempt's alive key: a retry elsewhere may own it already.
    const alive = await client.get(aliveKey(a.session, a.agent)).catch(() => null);
    if (alive === `${host} ${this.worker?.pid} ${a.attempt}`) await client.del(aliveKey(a.session, a.agent));
    await client.hset(workerKey(a.session, a.agent), { state: 'exited', exit: exitText }).catch(() => undefined);
    await client
      .xadd(reportStream(a.session), '*', 'event', 'exited', 'agent', a.agent, 'attempt', String(a.attempt), 'host', host, 'pid', String(this.worker?.pid), 'exit', exitText)
      .catch(() => undefined);
    this.deps.logger.info({ agent: a.agent, attempt: a.attempt, exit: exitText }, 'worker exited');
  }
}
