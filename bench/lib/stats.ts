/** Small statistics helpers for the benches: percentiles by the nearest-rank method. */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array; NaN for an empty one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / n;
  return {
    n,
    min: n ? sorted[0]! : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: n ? sorted[n - 1]! : Number.NaN,
    mean,
  };
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Rounds for display and JSON: 3 significant decimals below 10, fewer above. */
export function round(v: number, digits?: number): number {
  if (!Number.isFinite(v)) return v;
  const d = digits ?? (Math.abs(v) < 10 ? 3 : Math.abs(v) < 1000 ? 1 : 0);
  const f = 10 ** d;
  return Math.round(v * f) / f;
}
