/**
 * 1. Mailbox latency: spaced messages from this process to a handler in another one,
 * over each transport in turn, interleaved in rounds. The receiver timestamps each
 * message on the shared clock; the latency is receipt time minus the time taken just
 * before the send call.
 */
import path from 'node:path';
import { now, sleep, sleepUntil } from '../lib/clock.js';
import { makeTempDir, removeTempDir } from '../lib/cleanup.js';
import { BenchProc, type ClockSkew } from '../lib/procs.js';
import type { Bench } from '../lib/bench.js';
import { ratioTarget } from '../lib/ratio.js';
import { fmt, type Row } from '../lib/report.js';
import { median, round, summarize, type Summary } from '../lib/stats.js';
import { createSender, prepareTransport, type Mode, type Sender } from '../lib/transports.js';
import { hasRedis, xaddFloor, type XaddFloor } from '../lib/redis.js';

interface Collected {
  /** Per round: that round's latencies' p99 and the receiver's counters. */
  perRound: Array<{ p99: number; stats: unknown }>;
  /** The receiver's CPU (user + system) over its rounds, ms. */
  cpuMs: number;
  sent: number;
  received: number;
  dupes: number;
  latencies: number[];
  sendCall: number[];
  stats: unknown[];
}

const ORDER: LatencyMode[] = ['fswatch', 'ipc', 'polled', 'chokidar', 'mailroom', ...(hasRedis() ? (['redis'] as const) : [])];

type LatencyMode = Exclude<Mode, 'fsasync'>;

const LABEL: Record<LatencyMode, string> = {
  mailroom: 'mailroom mailbox (fs.watch wake-up + pump)',
  fswatch: 'raw fs.watch + rename floor',
  ipc: 'Node IPC (process.send) floor',
  polled: 'polled JSON inbox + proper-lockfile, 500 ms',
  chokidar: 'raw files woken by chokidar (no pump)',
  redis: 'mailroom redis transport (XADD → XREADGROUP BLOCK → XACK)',
};

const KIND: Record<LatencyMode, Row['kind']> = { mailroom: 'mailroom', fswatch: 'anchor', ipc: 'anchor', polled: 'anchor', chokidar: 'diagnostic', redis: 'mailroom' };

export const latencyBench: Bench = {
  id: 'latency',
  title: '1. Mailbox latency (spaced, send → handler in another process)',
  async run(ctx) {
    const { messages, rounds, spacingMs } = ctx.cfg.latency;
    const perRound = Math.ceil(messages / rounds);
    const root = makeTempDir('latency');
    const proc = await BenchProc.start('receiver.ts', 'latency receiver');
    const got = new Map<LatencyMode, Collected>(ORDER.map((m) => [m, { perRound: [], cpuMs: 0, sent: 0, received: 0, dupes: 0, latencies: [], sendCall: [], stats: [] }]));
    let skew: ClockSkew;
    let redisFloor: XaddFloor | undefined;
    try {
      skew = await proc.measureSkew();
      for (let r = 0; r < rounds; r++) {
        for (const mode of ORDER) {
          ctx.log(`latency: round ${r + 1}/${rounds}, ${mode}`);
          const spec = await prepareTransport(mode, path.join(root, `${mode}-${r}`));
          await proc.call('recv.start', { spec });
          const sender: Sender = mode === 'ipc' ? { send: (i, t) => proc.probe(i, t) } : createSender(spec, 'bench-sender', { fsync: false });
          const c = got.get(mode)!;
          // Let the receiver settle (its first listing pass) before the first message.
          await sleep(50);
          for (let k = 0; k < perRound; k++) {
            const t = now();
            await sender.send(r * perRound + k, t);
            c.sendCall.push(now() - t);
            c.sent++;
            // Start to start: the next send begins spacingMs after this one began (or at once, if this one took longer).
            await sleepUntil(t + spacingMs);
          }
          const out = await proc.call<{ received: number; dupes: number; latencies: number[]; stats: unknown; cpuMs: number }>('recv.wait', {
            expect: perRound,
            timeoutMs: 10_000,
          });
          c.received += out.received;
          c.cpuMs += out.cpuMs;
          c.dupes += out.dupes;
          c.latencies.push(...out.latencies);
          c.stats.push(out.stats);
          c.perRound.push({ p99: summarize(out.latencies).p99, stats: out.stats });
          await sender.close?.();
        }
      }
      if (ORDER.includes('redis')) redisFloor = await xaddFloor();
    } finally {
      await proc.stop();
      removeTempDir(root);
    }

    const sum = new Map<LatencyMode, Summary>(ORDER.map((m) => [m, summarize(got.get(m)!.latencies)]));
    const floor = sum.get('fswatch')!;
    const mine = sum.get('mailroom')!;
    const rows: Row[] = (['mailroom', 'fswatch', 'ipc', 'polled', 'chokidar', 'redis'] as const).filter((m) => ORDER.includes(m)).map((mode) => {
      const s = sum.get(mode)!;
      const c = got.get(mode)!;
      return {
        label: LABEL[mode],
        kind: KIND[mode],
        values: {
          delivered: `${c.received}/${c.sent}`,
          p50: s.p50,
          p95: s.p95,
          p99: s.p99,
          max: s.max,
          xfloor50: round(s.p50 / floor.p50, 2),
          xfloor99: round(s.p99 / floor.p99, 2),
          send: summarize(c.sendCall).p50,
        },
      };
    });
    if (redisFloor) {
      const f = redisFloor.oneClient.p50;
      rows.push({ label: 'redis-benchmark XADD, 1 client (round trip floor)', kind: 'anchor', values: { delivered: '-', p50: f, p95: '-', p99: '-', max: '-', xfloor50: round(f / floor.p50, 2), xfloor99: '-', send: f } });
    }
    const chok = sum.get('chokidar')!;
    const ipc = sum.get('ipc')!;
    const pol = sum.get('polled')!;
    const notes = [
      `${messages} messages per transport, one send started every ≥ ${spacingMs} ms (the timer may overshoot by ~1 ms; a send that took longer delays the next), in ${rounds} interleaved round(s).`,
      `Receiver clock offset vs the sender, by IPC ping-pong: ${round(skew.offsetMs * 1000, 0)} µs (± ${round((skew.rttMs / 2) * 1000, 0)} µs); latencies are not corrected for it.`,
      `Where mailroom's time goes (p50): the bare fs.watch floor takes ${round(floor.p50)} ms; the full mailbox (envelope validation and serialization on send, the lock check and one listing of new/, open/fstat/read/close, JSON + zod parse, rename into cur/, all synchronous calls) takes ${round(mine.p50)} ms (+${round(mine.p50 - floor.p50)} ms). The reader is woken by the same bare fs.watch; the event's file name lets the pass handle the file after one listing (arrival-order.ts). The chokidar diagnostic shows what the old wake-up cost: ${round(chok.p50)} ms p50 / ${round(chok.p99)} ms p99 for the raw reader alone (on each event chokidar re-lists new/ with a stat per entry, then stats the new file and puts a watch on it before it emits 'add').`,
      `Tails: the floors' own p99 (fs.watch ${round(floor.p99)} ms, IPC ${round(ipc.p99)} ms) is the scheduling delay any process saw on this shared 2-core machine during the run (load average below).`,
      `"send call" is how long the sender's send() took (mailroom: validate, serialize, write tmp/, rename).`,
      `Receiver CPU per message (user + system, including its idle timers): mailroom ${fmt((got.get('mailroom')!.cpuMs * 1000) / Math.max(1, got.get('mailroom')!.received))} µs, the fs.watch floor ${fmt((got.get('fswatch')!.cpuMs * 1000) / Math.max(1, got.get('fswatch')!.received))} µs. On a loaded machine a tail is mostly time spent waiting for a core, and the chance of being preempted grows with the CPU the path needs.`,
      `p99 × floor per round (each round runs every transport in turn, so a noisy minute hits all alike): ${got.get('mailroom')!.perRound.map((r, k) => `${fmt(r.p99 / got.get('fswatch')!.perRound[k]!.p99)}×`).join(', ')}; the figure is the p99 over all rounds' messages pooled (the median of the per-round ratios is ${fmt(median(got.get('mailroom')!.perRound.map((r, k) => r.p99 / got.get('fswatch')!.perRound[k]!.p99)))}×).`,
    ];
    // The reader closes its watcher while new/ holds more than watchPauseAbove files; a stall
    // that lets spaced messages pile up therefore costs a watcher re-open. Say when it happened.
    const mineRounds = got.get('mailroom')!.perRound;
    const paused = mineRounds.filter((r) => ((r.stats as { watchPauses?: number }).watchPauses ?? 0) > 0);
    const calm = mineRounds.filter((r) => !paused.includes(r));
    if (paused.length > 0) {
      notes.push(
        `mailroom's tail: in ${paused.length} of ${mineRounds.length} round(s) a stall let more than 16 messages queue in new/, so the reader closed its watcher to drain them by listing (watchPauseAbove) and then re-opened it; those rounds' p99 was ${paused.map((r) => round(r.p99)).join(', ')} ms${calm.length > 0 ? ` against ${calm.map((r) => round(r.p99)).join(', ')} ms in the rounds without a pause` : ''}.`,
      );
    }
    const red = sum.get('redis');
    if (red && redisFloor) {
      notes.push(
        `redis transport: p50 ${round(red.p50)} ms / p99 ${round(red.p99)} ms against redis-benchmark's XADD round trip p50 of ${redisFloor.oneClient.p50} ms (1 client, ${fmt(redisFloor.oneClient.rps)} req/s) on the same local redis-server in this run; a delivery is at least XADD (guarded by a Lua EXISTS), the XREADGROUP BLOCK wake-up and an XACK script, so about three round trips.`,
      );
    }
    if (got.get('mailroom')!.dupes > 0) notes.push(`mailroom delivered ${got.get('mailroom')!.dupes} duplicate(s).`);
    const p99Ratio = mine.p99 / floor.p99;
    const targets = [
      { figure: 'Mailbox latency: everything delivered', target: `${got.get('mailroom')!.sent}/${got.get('mailroom')!.sent}`, measured: `${got.get('mailroom')!.received}/${got.get('mailroom')!.sent}`, met: got.get('mailroom')!.received === got.get('mailroom')!.sent },
      ratioTarget({ figure: 'Mailbox latency p99 (spaced)', mine: `${fmt(mine.p99)} ms`, floor: `${fmt(floor.p99)} ms (fs.watch)`, ratio: p99Ratio, goal: 3, dir: '<=' }),
    ];
    return {
      headline: [
        {
          figure: `Mailbox latency p50 / p99, ${messages.toLocaleString('en')} spaced messages`,
          mailroom: `${fmt(mine.p50)} / ${fmt(mine.p99)} ms (p99 ${fmt(p99Ratio)}× floor, p50 ${fmt(mine.p50 / floor.p50)}×)`,
          anchors: `fs.watch floor ${fmt(floor.p50)} / ${fmt(floor.p99)} · IPC ${fmt(ipc.p50)} / ${fmt(ipc.p99)} · polled inbox ${fmt(pol.p50)} / ${fmt(pol.p99)} ms`,
          target: 'p99 ≤ 3× fs.watch floor',
          met: targets.every((t) => t.met),
        },
      ],
      columns: [
        { key: 'delivered', label: 'delivered' },
        { key: 'p50', label: 'p50 ms' },
        { key: 'p95', label: 'p95 ms' },
        { key: 'p99', label: 'p99 ms' },
        { key: 'max', label: 'max ms' },
        { key: 'xfloor50', label: 'p50 × floor' },
        { key: 'xfloor99', label: 'p99 × floor' },
        { key: 'send', label: 'send call p50 ms' },
      ],
      rows,
      targets,
      notes,
      details: {
        skew,
        summaries: Object.fromEntries([...sum].map(([m, s]) => [m, s])),
        perRound: Object.fromEntries(ORDER.map((m) => [m, got.get(m)!.perRound])),
      },
    };
  },
};
