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
 * that `relevant` accepts. Loads are serialised: a burst of changes causes one more load.
 */
export function useLive<T>(key: string, fetcher: () => Promise<T>, relevant: (b: ChangeBatch) => boolean): Loaded<T> {
  const live = useContext(LiveContext);
  const [state, setState] = useState<{ key: string; data?: T; error?: { status?: number; message: string } }>({ key });
  const [tick, setTick] = useState(0);
  const busy = useRef(false);
  const again = useRef(false);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  useEffect(() => {
    let cancelled = false;
    const run = async () => {
      if (busy.current) {
        again.current = true;
        return;
      }
      busy.current = true;
      try {
        do {
          again.current = false;
          try {
            const data = await fetcherRef.current();
            if (!cancelled) setState({ key, data });
          } catch (err) {
            const e = err as { status?: number; message?: string };
            if (!cancelled) setState((s) => ({ ...s, key, error: { ...(e.status ? { status: e.status } : {}), message: e.message ?? String(err) } }));
          }
        } while (again.current && !cancelled);
      } finally {
        busy.current = false;
      }
    };
    void run();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick, live.batch && relevant(live.batch) ? live.n : -1]);

  const same = state.key === key;
  return { ...(same && state.data !== undefined ? { data: state.data } : {}), ...(same && state.error ? { error: state.error } : {}), reload: () => setTick((t) => t + 1) };
}
