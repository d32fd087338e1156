/**
 * Parent side of the bench helper processes: start a script from bench/procs/ under tsx
 * with an IPC channel, call its ops, measure its clock skew, and stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { now } from './clock.js';
import { killPid, trackPid, untrackPid } from './cleanup.js';
import type { ChildMessage, ParentMessage } from './ipc.js';

const TSX = import.meta.resolve('tsx');

export function procScript(name: string): string {
  return fileURLToPath(new URL(`../procs/${name}`, import.meta.url));
}

export interface ClockSkew {
  /** Child clock minus parent clock, estimated at the smallest round trip (ms). */
  offsetMs: number;
  /** That round trip (ms); the offset is exact to within half of it. */
  rttMs: number;
}

export class BenchProc {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private stderrTail = '';
  readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    child.on('message', (m: ChildMessage) => {
      if (m.kind !== 'reply') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${this.label}: ${m.error}`));
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        untrackPid(child.pid!);
        for (const [, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new Error(`${this.label} exited (code ${code}, signal ${signal}) during a call. stderr: ${this.stderrTail.trim()}`));
        }
        this.pending.clear();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts `bench/procs/<script>` under tsx and waits for its hello. */
  static async start(script: string, label = script, args: string[] = []): Promise<BenchProc> {
    const child = spawn(process.execPath, ['--import', TSX, procScript(script), ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: process.env,
    });
    if (child.pid === undefined) throw new Error(`could not start ${script}`);
    trackPid(child.pid);
    const proc = new BenchProc(child, label);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} did not start within 60 s`)), 60_000);
      child.on('message', (m: ChildMessage) => {
        if (m.kind === 'hello') {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited with code ${code} before it was ready: ${proc.stderrTail.trim()}`));
      });
    });
    return proc;
  }

  call<T = unknown>(op: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ kind: 'call', id, op, args } satisfies ParentMessage);
    });
  }

  /** One-way message: the IPC floor's payload. */
  probe(i: number, t: number): Promise<void> {
    return new Promise((resolve, reject) => this.child.send({ kind: 'probe', i, t } satisfies ParentMessage, (err) => (err ? reject(err) : resolve())));
  }

  /** NTP-style estimate of the child's clock offset: the sample with the smallest round trip wins. */
  async measureSkew(rounds = 30): Promise<ClockSkew> {
    let best: ClockSkew = { offsetMs: Number.NaN, rttMs: Number.POSITIVE_INFINITY };
    for (let i = 0; i < rounds; i++) {
      const t0 = now();
      const tc = await this.call<number>('clock');
      const t2 = now();
      const rtt = t2 - t0;
      if (rtt < best.rttMs) best = { offsetMs: tc - (t0 + t2) / 2, rttMs: rtt };
    }
    return best;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.disconnect();
    const timer = setTimeout(() => killPid(this.pid, false), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}
