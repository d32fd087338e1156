/** Data loading that follows the live stream: refetch when a change batch concerns the view. */
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ChangeBatch } from './api.js';

/** The latest change batch, with a counter so equal batches still count as news. */
export interface LiveState {
  n: number;
  batch?: ChangeBatch;
  connected: boolean;
}

export const LiveContext = createContext<LiveState>({ n: 0, connected: false });

export interface Loaded<T> {
  data?: T;
  error?: { status?: number; message: string };
  reload: () => void;
}

/**
 * Loads with `fetcher` now, again when `key` changes, and again after each change batch
 * that `relevant` accepts, and every `pollMs` if given. Loads are serialised: a burst of
 * changes causes one more load.
 */
export function useLive<T>(key: string, fetcher: () => Promise<T>, relevant: (b: ChangeBatch) => boolean, pollMs?: number): Loaded<T> {
  const live = useContext(LiveContext);
  const [state, setState] = useState<{ key: string; data?: T; error?: { status?: number; message: string } }>({ key });
  const [tick, setTick] = useState(0);
  const busy = useRef(false);
  const again = useRef(false);
  const mounted = useRef(true);
  const keyRef = useRef(key);
  const fetcherRef = useRef(fetcher);
  keyRef.current = key;
  fetcherRef.current = fetcher;

  // One loop at a time; a request for news while it runs makes it go round once more, so
  // a change that lands during a load is never lost. A result for a key the view has
  // left is dropped.
  const run = useRef(async () => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    try {
      do {
        again.current = false;
        const k = keyRef.current;
        try {
          const data = await fetcherRef.current();
          if (mounted.current && keyRef.current === k) setState({ key: k, data });
        } catch (err) {
          const e = err as { status?: number; message?: string };
          if (mounted.current && keyRef.current === k) setState((s) => ({ ...s, key: k, error: { ...(e.status ? { status: e.status } : {}), message: e.message ?? String(err) } }));
        }
      } while (again.current && mounted.current);
    } finally {
      busy.current = false;
    }
  }).current;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    void run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick, live.batch && relevant(live.batch) ? live.n : -1]);

  // Some news leaves no file behind (a coordinator that died, a clock that moves on):
  // views of running sessions also look again now and then.
  useEffect(() => {
    if (!pollMs) return;
    const timer = setInterval(() => setTick((t) => t + 1), pollMs);
    return () => clearInterval(timer);
  }, [pollMs]);

  const same = state.key === key;
  return { ...(same && state.data !== undefined ? { data: state.data } : {}), ...(same && state.error ? { error: state.error } : {}), reload: () => setTick((t) => t + 1) };
}
