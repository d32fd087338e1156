/**
 * Bench helper process: one burst writer. `burst.prepare` builds a sender for a transport;
 * `burst.go` waits until the shared start time and sends its messages back to back,
 * each stamped with its send time. Errors are counted, not thrown: undelivered is a result.
 */
import { now, sleepUntil } from '../lib/clock.js';
import { serve } from '../lib/ipc.js';
import { LockDeadlineError } from '../lib/polled-inbox.js';
import { createSender, type Sender, type TransportSpec } from '../lib/transports.js';

let sender: Sender | undefined;
let count = 0;
let base = 0;

serve({
  clock: () => now(),
  'burst.prepare': ({ spec, from, n, firstIndex, fsync }: { spec: TransportSpec; from: string; n: number; firstIndex: number; fsync: boolean }) => {
    sender = createSender(spec, from, { fsync });
    count = n;
    base = firstIndex;
    return null;
  },
  'burst.go': async ({ startAt, capMs }: { startAt: number; capMs?: number }) => {
    if (!sender) throw new Error('burst.go before burst.prepare');
    await sleepUntil(startAt);
    const cpu0 = process.cpuUsage();
    const t0 = now();
    let sent = 0;
    let errors = 0;
    let firstError: string | undefined;
    const deadline = capMs === undefined ? undefined : t0 + capMs;
    for (let k = 0; k < count; k++) {
      if (deadline !== undefined && now() > deadline) break;
      try {
        await sender.send(base + k, now(), deadline);
        sent++;
      } catch (err) {
        // The cap reached while waiting for a lock: the window is over, not an error.
        if (err instanceof LockDeadlineError) break;
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
    const cpu = process.cpuUsage(cpu0);
    return { sent, errors, firstError: firstError ?? null, t0, t1: now(), cpuMs: (cpu.user + cpu.system) / 1000 };
  },
});
