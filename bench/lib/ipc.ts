/**
 * A tiny request/response protocol over Node's IPC channel between the bench process and
 * its helper children (bench/procs/). Calls carry an id; `probe` messages are one-way and
 * are what the IPC latency floor measures.
 */
export type ParentMessage =
  | { kind: 'call'; id: number; op: string; args: unknown }
  | { kind: 'probe'; i: number; t: number };

export type ChildMessage =
  | { kind: 'hello'; pid: number }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string };

export type Handler = (args: any) => Promise<unknown> | unknown;

/** Child side: answers calls with the named handler; `onProbe` receives probe messages. */
export function serve(handlers: Record<string, Handler>, onProbe?: (m: { i: number; t: number }) => void): void {
  if (!process.send) throw new Error('bench proc must be started with an IPC channel');
  const send = (m: ChildMessage) => process.send!(m);
  process.on('message', (raw: ParentMessage) => {
    if (raw.kind === 'probe') {
      onProbe?.(raw);
      return;
    }
    if (raw.kind !== 'call') return;
    const h = handlers[raw.op];
    if (!h) {
      send({ kind: 'reply', id: raw.id, ok: false, error: `unknown op ${raw.op}` });
      return;
    }
    Promise.resolve()
      .then(() => h(raw.args))
      .then(
        (value) => send({ kind: 'reply', id: raw.id, ok: true, value: value ?? null }),
        (err: unknown) => send({ kind: 'reply', id: raw.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
      );
  });
  // The parent going away (bench killed) must not leave us behind.
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'hello', pid: process.pid });
}
