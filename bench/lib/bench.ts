/** What every bench module exports, and what it is given. */
import type { Scale, ScaleConfig } from './config.js';
import type { BenchBody, Target } from './report.js';
import { round } from './stats.js';

export interface BenchContext {
  scale: Scale;
  cfg: ScaleConfig;
  /** Progress lines (stderr in `npm run bench`, silent in the smoke test). */
  log: (message: string) => void;
}

export interface Bench {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchBody>;
}

/** A target line: `measured <= limit` (or >=), with the measured value rendered. */
export function target(figure: string, text: string, value: number, limit: number, unit: string, dir: '<=' | '>=' = '<='): Target {
  const met = Number.isFinite(value) && (dir === '<=' ? value <= limit : value >= limit);
  return { figure, target: text, measured: `${round(value)}${unit}`, met };
}

export function ms(v: number): number {
  return round(v);
}
