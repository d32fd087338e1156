/**
 * Warm spares (`--warm N`): worker processes started ahead of their subtasks, each idle in
 * its own mailbox (agents/spare-NN/) until the coordinator hands it one. A spare is started
 * like any worker (detached, its own process group, heartbeat, mailbox lock) and has loaded
 * the worker's code while it waited. The hand-over: the subtask's agent (w01-research, as
 * planned) gets its agent.json and assign as always; the spare gets `adopted.json` naming
 * that agent (so procscan finds its process as that agent from then on) and an assign with
 * `agent` set. It then runs as that agent: its mailbox, heartbeat, log and transcript, a
 * fresh history, and only its role's tools, loaded after the assign named the role.
 * Everything else (supervision, the ladder, resume) sees an ordinary worker.
 *
 * Lifecycle, all journaled: `spare` when started; a `spawn` with `spare: <id>` when a
 * subtask takes it; `spare_ended` when it ends unused (session end, surplus once no
 * subtask is left to start, or found idle by a resumed coordinator). A spare never
 * outlives its session: the coordinator ends idle ones at the end, and a spare whose
 * coordinator died (SIGKILL) leaves on its own within SPARE_PARENT_CHECK_MS; a resumed
 * coordinator ends any it still finds (endStraySpares).
 */
import fs from 'node:fs';
import path from 'node:path';
import { heartbeatAge } from '../agent/heartbeat.js';
import type { LaunchedWorker } from '../engine/process/launcher.js';
import { subtasksOf, type SubtaskState } from '../engine/subtasks.js';
import { createMailbox, mailboxFolder, parseMessageFileName } from '../mailbox/index.js';
import { crashAt, crashPoint } from '../faults.js';
import { adoptedAs, spareAdoptionFile } from '../engine/process/procscan.js';
import type { BodyOf } from '../mailbox/index.js';
import { agentPaths, sessionPaths } from '../session/layout.js';
import { updateAgentRecord, writeAgentRecord } from '../session/store.js';
import { writeJsonAtomicSync } from '../util/fs.js';
import type { CoordinatorCore, SpareSource, TakenSpare } from './core.js';

/** Spare agent ids: spare-01, spare-02, ... (numbered across the session, resumes included). */
export function spareId(n: number): string {
  return `spare-${String(n).padStart(2, '0')}`;
}

const SPARE_ID = /^spare-\d+$/;

interface IdleSpare {
  agentId: string;
  worker: LaunchedWorker;
}

/** The idle spares of one coordinator, and the rules for when to start or end one. */
export class SparePool implements SpareSource {
  private readonly idle: IdleSpare[] = [];
  private readonly ending = new Set<Promise<void>>();
  private next: number;

  constructor(
    private readonly core: CoordinatorCore,
    private readonly size: number,
  ) {
    // After every spare folder there is, journaled or not (a crash between spawn and journal).
    const folders = fs.existsSync(sessionPaths(core.dir).spares) ? fs.readdirSync(sessionPaths(core.dir).spares) : [];
    const numbers = [...Object.keys(core.state.spares ?? {}), ...folders].filter((a) => SPARE_ID.test(a)).map((a) => Number(a.slice(6)));
    this.next = Math.max(0, ...numbers) + 1;
  }

  /** Spares need local processes: a worker host (redis) starts its own. */
  get enabled(): boolean {
    return this.size > 0 && this.core.launcher.kind === 'local';
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Starts spares until `want` (at most the pool's size) are idle. */
  async fill(want = this.size): Promise<void> {
    if (!this.enabled) return;
    while (this.idle.length < Math.min(want, this.size) && !this.core.stopping) {
      try {
        await this.startOne();
      } catch (err) {
        // A spare is an optimisation: without one, subtasks start fresh processes as before.
        // (A journal that cannot be written has set core.stopping, which ends the session.)
        this.core.log.warn({ err }, 'could not start a warm spare');
        return;
      }
    }
  }

  /**
   * After the ready subtasks were started: keep as many spares as subtasks still wait to
   * start (at most the pool's size); end the surplus, which no subtask would ever take.
   */
  async topUp(): Promise<void> {
    if (!this.enabled || this.core.stopping || !this.core.state.plan) return;
    const waiting = subtasksOf(this.core.state).filter((s) => s.status === 'pending' && eligible(s)).length;
    const want = Math.min(this.size, waiting);
    while (this.idle.length > want) this.endInBackground(this.idle.pop()!, 'no subtask left to start');
    await this.fill(want);
  }

  /** An idle spare for this subtask's next attempt, or undefined (then it gets a fresh process). */
  take(s: SubtaskState): TakenSpare | undefined {
    if (!this.enabled || !eligible(s)) return undefined;
    const sp = this.nextLive();
    if (!sp) return undefined;
    const core = this.core;
    return {
      ...sp,
      handOver: async (agentId: string, assign: BodyOf<'assign'>) => {
        // First the identity (procscan reads it), then the order that makes the spare take it.
        // Synchronous, like the send after it: a small local file, and the spare waits on both.
        writeJsonAtomicSync(spareAdoptionFile(core.dir, sp.agentId), { agent: agentId, subtask: s.subtask.id, at: new Date().toISOString() });
        linkOutput(core, sp.agentId, agentId);
        await core.sender.send(sp.agentId, 'assign', { ...assign, agent: agentId }, { id: `adopt-${agentId}`.slice(0, 64) });
        await updateAgentRecord(core.dir, sp.agentId, { status: 'adopted', role: s.role, subtask: s.subtask.id }).catch(() => undefined);
        core.log.info({ spare: sp.agentId, worker: agentId, pid: sp.worker.pid }, 'subtask handed to a warm spare');
      },
    };
  }

  /**
   * The first idle spare that still heartbeats; a silent one (hung, or stopped) is ended as
   * a silent worker would be, never handed a subtask. A spare that has not written its
   * first heartbeat yet has only just started.
   */
  private nextLive(): IdleSpare | undefined {
    const staleAfter = this.core.options.heartbeatIntervalMs * this.core.options.heartbeatMisses;
    for (let sp = this.idle.shift(); sp; sp = this.idle.shift()) {
      const age = heartbeatAge(agentPaths(this.core.dir, sp.agentId).heartbeat);
      if (age === undefined || age <= staleAfter) return sp;
      this.core.log.warn({ spare: sp.agentId, pid: sp.worker.pid, age }, 'an idle spare stopped heartbeating; ending it');
      this.endInBackground(sp, `no heartbeat for ${Math.round(age)} ms while idle`);
    }
    return undefined;
  }

  /** Ends one idle spare now (`mailroom kill <session> spare-NN`), through the ladder, journaled. */
  endIdle(agentId: string, reason: string): boolean {
    const i = this.idle.findIndex((sp) => sp.agentId === agentId);
    if (i < 0) return false;
    const [sp] = this.idle.splice(i, 1);
    this.endInBackground(sp!, reason);
    return true;
  }

  /** Ends every idle spare (the session is over) and waits for those already ending. */
  async endAll(reason: string): Promise<void> {
    const all = this.idle.splice(0);
    await Promise.all([...all.map((sp) => this.end(sp.agentId, sp.worker.pid, reason)), ...this.ending]);
  }

  private async startOne(): Promise<void> {
    const core = this.core;
    const agentId = spareId(this.next++);
    await createMailbox(core.dir, agentId);
    // Role and subtask are the spare's placeholders until a subtask takes it (spawnNow rewrites them).
    await writeAgentRecord(core.dir, {
      v: 1,
      id: agentId,
      role: 'spare',
      subtask: '',
      tools: [],
      model: core.record.models.worker,
      limits: core.options.limits,
      status: 'spare',
      attempt: 1,
    });
    const worker = await core.launcher.spawn(core.dir, agentId, 1, core.env, { spare: true });
    await core.commit({ type: 'spare', agent: agentId, pid: worker.pid });
    await updateAgentRecord(core.dir, agentId, { pid: worker.pid, startedAt: new Date().toISOString() }).catch(() => undefined);
    core.log.info({ spare: agentId, pid: worker.pid }, 'warm spare started');
    const entry = { agentId, worker };
    this.idle.push(entry);
    // A spare that dies idle is dropped at once, so no subtask is handed to a dead process.
    void worker.exited?.then(() => {
      const i = this.idle.indexOf(entry);
      if (i < 0) return;
      this.idle.splice(i, 1);
      core.log.warn({ spare: agentId, pid: worker.pid }, 'an idle spare exited');
      void core.tryCommit({ type: 'spare_ended', agent: agentId, reason: 'exited while idle' });
      void updateAgentRecord(core.dir, agentId, { status: 'unused', endedAt: new Date().toISOString(), error: 'exited while idle' }).catch(() => undefined);
    });
  }

  private endInBackground(sp: IdleSpare, reason: string): void {
    const p = this.end(sp.agentId, sp.worker.pid, reason).finally(() => this.ending.delete(p));
    this.ending.add(p);
  }

  private end(agentId: string, pid: number, reason: string): Promise<void> {
    return endSpare(this.core, agentId, pid, reason);
  }
}

/**
 * The spare's stdout and stderr stay the files it was started with; the agent's own
 * stdout.log and stderr.log become links to them, so they are where people look.
 */
function linkOutput(core: CoordinatorCore, spareId: string, agentId: string): void {
  const from = agentPaths(core.dir, spareId);
  const to = agentPaths(core.dir, agentId);
  for (const [target, link] of [
    [from.stdout, to.stdout],
    [from.stderr, to.stderr],
  ] as const) {
    try {
      fs.rmSync(link, { force: true });
      fs.symlinkSync(path.relative(path.dirname(link), target), link);
    } catch (err) {
      core.log.warn({ err, link }, 'could not link a spare\'s output into its agent folder');
    }
  }
}

/**
 * The crash seam `during-handover` (faults.ts): once the spare has become the agent and
 * read the agent's own assign (its id is in the agent's cur/), the coordinator dies before
 * the `spawn` line, as a SIGKILL between the hand-over and the journal would leave it.
 */
export async function crashDuringHandover(core: CoordinatorCore, agentId: string, assignId: string): Promise<void> {
  if (!crashAt('during-handover')) return;
  const cur = mailboxFolder(core.dir, agentId, 'cur');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const names = fs.existsSync(cur) ? fs.readdirSync(cur) : [];
    if (names.some((n) => parseMessageFileName(n)?.id === assignId)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  crashPoint('during-handover');
}

/** A spare starts a fresh history: only first attempts that do not continue a transcript. */
function eligible(s: SubtaskState): boolean {
  return s.attempt === 1 && !s.continueNext && s.round === undefined;
}

/**
 * Ends one unused spare through the termination ladder (it obeys `shutdown` at once), then
 * journals it. Never signals a pid that is no longer this spare's process.
 */
export async function endSpare(core: CoordinatorCore, agentId: string, pid: number, reason: string): Promise<void> {
  try {
    if (await core.launcher.isWorker(agentId, pid)) {
      await core.launcher.terminate(agentId, {
        pid,
        sendShutdown: async () => {
          await core.sender.send(agentId, 'shutdown', { reason, attempt: 1 });
        },
        shutdownGraceMs: core.options.shutdownGraceMs,
        termGraceMs: core.options.termGraceMs,
      });
    }
  } catch (err) {
    core.log.error({ err, spare: agentId, pid }, 'could not end a spare');
  }
  await core.tryCommit({ type: 'spare_ended', agent: agentId, reason });
  await updateAgentRecord(core.dir, agentId, { status: 'unused', endedAt: new Date().toISOString() }).catch(() => undefined);
}

/**
 * On resume: the spares a dead coordinator left idle are not adopted (a spare's history
 * must be fresh and its coordinator is gone); each one still alive is ended, by the
 * journal's list and by a scan for spare processes of this session the journal missed (a
 * crash between the spawn and its `spare` event). Spares that had taken a subtask are
 * workers now (procscan names them by that agent), reconciled like any other.
 */
export async function endStraySpares(core: CoordinatorCore): Promise<void> {
  const known = core.state.spares ?? {};
  const live = core.launcher.kind === 'local' ? await core.launcher.findWorkers(core.dir) : new Map<string, number>();
  const stray = new Map<string, number>();
  for (const [agent, sp] of Object.entries(known)) {
    if (sp.status !== 'idle') continue;
    // Handed a subtask (adopted.json) by a coordinator that died before the spawn line: its
    // process is that agent's worker now. reconcile reattaches or ends it, once the plan and
    // the mailbox backlog are known, and settles the spare (settleHandedSpares).
    if (adoptedAs(core.dir, agent) !== undefined) continue;
    stray.set(agent, live.get(agent) ?? sp.pid);
  }
  // Still named spare-NN: never handed over (journaled as assigned or not, it never got the order).
  for (const [agent, pid] of live) if (SPARE_ID.test(agent)) stray.set(agent, pid);
  await Promise.all([...stray].map(([agent, pid]) => endSpare(core, agent, pid, 'left idle by an earlier coordinator')));
}

/** The idle spare (as the journal has it) whose process is `pid`: a hand-over cut off before its spawn line. */
export function spareWithPid(core: CoordinatorCore, pid: number): string | undefined {
  return Object.entries(core.state.spares ?? {}).find(([agent, sp]) => sp.status === 'idle' && sp.pid === pid && adoptedAs(core.dir, agent) !== undefined)?.[0];
}

/**
 * After reconcile: a spare an earlier coordinator handed a subtask (adopted.json) without
 * journaling the spawn, and that was not reattached as that subtask's worker, is settled
 * in the journal as ended (its process, if it still lived, was ended by reconcile).
 */
export async function settleHandedSpares(core: CoordinatorCore): Promise<void> {
  for (const [agent, sp] of Object.entries(core.state.spares ?? {})) {
    const became = sp.status === 'idle' ? adoptedAs(core.dir, agent) : undefined;
    if (became === undefined) continue;
    const reason = `handed to ${became} by a coordinator that died before journaling it; not reattached on resume`;
    await core.tryCommit({ type: 'spare_ended', agent, reason });
    await updateAgentRecord(core.dir, agent, { endedAt: new Date().toISOString(), error: reason }).catch(() => undefined);
  }
}
