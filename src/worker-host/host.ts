/**
 * `mailroom worker-host`: a daemon that runs workers for coordinators on other machines.
 * It registers itself (a key with a TTL holding its name and slots), takes assignments from
 * one stream through a consumer group (so each lands on exactly one host) only while it
 * has a free slot, and runs each worker with today's process model in its own copy of the
 * session folder; the workers read and write their mail on the session's streams. It runs the
 * termination ladder when a coordinator asks, and on SIGINT/SIGTERM ends its workers by the
 * ladder before it leaves.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeSessionRedisFile } from '../mailbox/session-redis.js';
import { MailroomError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { connectRedis } from '../mailbox/redis/connect.js';
import { parseRead } from '../mailbox/redis/replies.js';
import { RedisTransport } from '../mailbox/redis/transport.js';
import type { TransportSender } from '../mailbox/transport.js';
import { terminateProcess } from '../engine/process/terminate.js';
import { COORDINATOR_ID } from '../session/layout.js';
import { HostWorker } from './host-worker.js';
import { ASSIGN_GROUP, ASSIGN_STREAM, AssignmentSchema, ControlSchema, hostControlStream, hostKey, reportStream, type TerminateRequest } from './protocol.js';

export interface WorkerHostOptions {
  redisUrl: string;
  name: string;
  slots: number;
  /** Local files of the workers: `<runtimeDir>/hosts/<name>/sessions/<id>/`. */
  runtimeDir: string;
  logger: Logger;
  /** TTL of the registration key. Default 5000 ms. */
  ttlMs?: number;
  env?: NodeJS.ProcessEnv;
}

export class WorkerHost {
  private readonly client: Redis;
  private readonly blocking: Redis;
  private readonly control: Redis;
  private readonly workers = new Map<string, HostWorker>();
  /** Sessions whose local folder is ready here. */
  private readonly sessions = new Set<string>();
  private running = false;
  private loops: Promise<void>[] = [];
  private regTimer: NodeJS.Timeout | undefined;
  private readonly since = new Date().toISOString();

  constructor(private readonly opts: WorkerHostOptions) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.name)) throw new MailroomError('E_USAGE', `invalid worker host name ${JSON.stringify(opts.name)}: use [A-Za-z0-9_.-]`);
    this.client = connectRedis(opts.redisUrl, { name: `mailroom-host-${opts.name}` });
    this.blocking = connectRedis(opts.redisUrl, { name: `mailroom-host-${opts.name}-assign` });
    this.control = connectRedis(opts.redisUrl, { name: `mailroom-host-${opts.name}-control` });
  }

  get name(): string {
    return this.opts.name;
  }

  private sessionDir(sessionId: string): string {
    return path.join(this.opts.runtimeDir, 'hosts', this.opts.name, 'sessions', sessionId);
  }

  /** Registers and starts taking assignments. */
  async start(): Promise<void> {
    await this.ensureGroup(ASSIGN_STREAM, ASSIGN_GROUP, '0');
    await this.ensureGroup(hostControlStream(this.opts.name), 'host', '$');
    this.running = true;
    await this.register();
    const ttl = this.opts.ttlMs ?? 5000;
    this.regTimer = setInterval(() => void this.register().catch((err: unknown) => this.opts.logger.warn({ err }, 'host: registration refresh failed')), Math.max(100, Math.floor(ttl / 3)));
    this.loops = [this.assignLoop(), this.controlLoop()];
    this.opts.logger.info({ name: this.opts.name, slots: this.opts.slots }, 'worker host started');
  }

  private async ensureGroup(stream: string, group: string, from: string): Promise<void> {
    try {
      await this.client.call('XGROUP', 'CREATE', stream, group, from, 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  private async register(): Promise<void> {
    if (!this.running) return;
    const info = { name: this.opts.name, slots: this.opts.slots, used: this.workers.size, pid: process.pid, since: this.since };
    await this.client.set(hostKey(this.opts.name), JSON.stringify(info), 'PX', this.opts.ttlMs ?? 5000);
  }

  /** Reads one assignment at a time, and only with a free slot. */
  private async assignLoop(): Promise<void> {
    while (this.running) {
      if (this.workers.size >= this.opts.slots) {
        await sleep(100);
        continue;
      }
      try {
        const raw = await this.blocking.call('XREADGROUP', 'GROUP', ASSIGN_GROUP, this.opts.name, 'COUNT', '1', 'BLOCK', '1000', 'STREAMS', ASSIGN_STREAM, '>');
        for (const e of parseRead(raw)) {
          // Acked at once: an assignment lost with this host is the coordinator's crash to retry.
          await this.client.xack(ASSIGN_STREAM, ASSIGN_GROUP, e.id);
          await this.take(e.fields?.json);
        }
      } catch (err) {
        if (!this.running) break;
        this.opts.logger.error({ err }, 'host: reading assignments failed; retrying');
        await sleep(500);
      }
    }
  }

  private async take(json: string | undefined): Promise<void> {
    let parsed;
    try {
      parsed = AssignmentSchema.parse(JSON.parse(json ?? ''));
    } catch (err) {
      this.opts.logger.error({ err: describeError(err) }, 'host: malformed assignment ignored');
      return;
    }
    const dir = this.sessionDir(parsed.session);
    const key = `${parsed.session}/${parsed.agent}`;
    try {
      await this.ensureSession(parsed.session, dir);
      const w = new HostWorker({ client: this.client, host: this.opts.name, sessionDir: dir, logger: this.opts.logger.child({ session: parsed.session }), env: this.opts.env }, parsed);
      this.workers.set(key, w);
      await w.start();
      void w.done.then(() => {
        if (this.workers.get(key) === w) this.workers.delete(key);
        void this.register().catch(() => undefined);
      });
      await this.register();
    } catch (err) {
      this.workers.delete(key);
      this.opts.logger.error({ err, agent: parsed.agent }, 'host: could not start a worker');
    }
  }

  /** The session's local folder, naming its Redis for the workers here. */
  private async ensureSession(sessionId: string, dir: string): Promise<void> {
    if (this.sessions.has(sessionId)) return;
    await fsp.mkdir(dir, { recursive: true });
    // The session's mailboxes and artifacts are in Redis: its workers here use them there.
    await writeSessionRedisFile(dir, this.opts.redisUrl);
    this.sessions.add(sessionId);
  }

  /** Sends as the coordinator into a worker's stream (the ladder's shutdown message). */
  private coordinatorSender(sessionId: string): TransportSender {
    return new RedisTransport(this.client, sessionId).sender({ from: COORDINATOR_ID });
  }

  /** Termination requests from coordinators: SIGTERM, then SIGKILL, to one of our workers. */
  private async controlLoop(): Promise<void> {
    const stream = hostControlStream(this.opts.name);
    while (this.running) {
      try {
        const raw = await this.control.call('XREADGROUP', 'GROUP', 'host', this.opts.name, 'COUNT', '10', 'BLOCK', '1000', 'STREAMS', stream, '>');
        for (const e of parseRead(raw)) {
          await this.client.xack(stream, 'host', e.id);
          const req = ControlSchema.safeParse(safeJson(e.fields?.json));
          if (!req.success) {
            this.opts.logger.warn({ entry: e.id, error: req.error.message }, 'host: malformed control request ignored');
            continue;
          }
          if (req.data.action === 'terminate') {
            void this.terminate(req.data);
            continue;
          }
          const w = this.workers.get(`${req.data.session}/${req.data.agent}`);
          if (!w?.pid || w.a.attempt !== req.data.attempt) continue;
          const pid = w.pid;
          void terminateProcess({ pid, force: true, sendShutdown: async () => undefined, shutdownGraceMs: 0, termGraceMs: req.data.termGraceMs }).catch((err: unknown) =>
            this.opts.logger.error({ err, pid }, 'host: could not stop a worker'),
          );
        }
      } catch (err) {
        if (!this.running) break;
        this.opts.logger.error({ err }, 'host: reading control requests failed; retrying');
        await sleep(500);
      }
    }
  }

  /**
   * The whole ladder for one of our workers, asked by `mailroom kill` from any machine:
   * each step, then the end, reported on the session's report stream under the request id.
   */
  private async terminate(req: TerminateRequest): Promise<void> {
    const report = (fields: Record<string, string>) =>
      this.client.xadd(reportStream(req.session), '*', ...Object.entries({ ...fields, agent: req.agent, attempt: String(req.attempt), host: this.opts.name, request: req.id }).flat());
    const w = this.workers.get(`${req.session}/${req.agent}`);
    try {
      if (!w?.pid || w.a.attempt !== req.attempt) {
        await report({ event: 'terminated', step: 'gone' }).catch(() => undefined);
        return;
      }
      const pid = w.pid;
      const sender = this.coordinatorSender(req.session);
      this.opts.logger.info({ agent: req.agent, attempt: req.attempt, pid, reason: req.reason }, 'host: terminating a worker on request');
      const step = await terminateProcess({
        pid,
        sendShutdown: async () => void (await sender.send(req.agent, 'shutdown', { reason: req.reason, attempt: req.attempt })),
        shutdownGraceMs: req.shutdownGraceMs,
        termGraceMs: req.termGraceMs,
        onStep: async (s) => void (await report({ event: 'terminate', step: s, pid: String(pid) }).catch(() => undefined)),
      });
      await w.done;
      await report({ event: 'terminated', step, pid: String(pid) });
    } catch (err) {
      this.opts.logger.error({ err, agent: req.agent }, 'host: could not stop a worker');
      await report({ event: 'terminate-failed', error: describeError(err) }).catch(() => undefined);
    }
  }

  /** Stops taking work, ends every worker by the ladder, deregisters. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.regTimer) clearInterval(this.regTimer);
    this.blocking.disconnect();
    this.control.disconnect();
    await Promise.all(this.loops.map((l) => l.catch(() => undefined)));
    await Promise.all(
      [...this.workers.values()].map(async (w) => {
        if (!w.pid) return;
        const sender = this.coordinatorSender(w.a.session);
        await terminateProcess({
          pid: w.pid,
          sendShutdown: async () => void (await sender.send(w.a.agent, 'shutdown', { reason: `worker host ${this.opts.name} is stopping`, attempt: w.a.attempt })),
          shutdownGraceMs: 3000,
          termGraceMs: 3000,
        }).catch((err: unknown) => this.opts.logger.error({ err }, 'host: could not stop a worker'));
        await w.done;
      }),
    );
    await this.client.del(hostKey(this.opts.name)).catch(() => undefined);
    await this.client.quit().catch(() => this.client.disconnect());
    this.opts.logger.info({ name: this.opts.name }, 'worker host stopped');
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? 'null');
  } catch {
    return null;
  }
}
