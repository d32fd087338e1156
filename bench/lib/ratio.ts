/**
 * Ratio goals (issue 17): each mailbox figure is judged as a ratio against its floor in
 * the same run, never as an absolute time, so a loaded machine moves both alike.
 */
import { target } from './bench.js';
import { fmt, type Target } from './report.js';

export interface RatioGoal {
  figure: string;
  /** mailroom's figure and its floor's, as shown beside the ratio (e.g. "1,905 msgs/s"). */
  mine: string;
  floor: string;
  /** mailroom ÷ floor. */
  ratio: number;
  goal: number;
  /** `>=` for throughput (higher is better), `<=` for times. */
  dir: '<=' | '>=';
}

/** A Target line: "ratio beside its floor, goal, met or not met". */
export function ratioTarget(g: RatioGoal): Target {
  const t = target(g.figure, `${g.dir === '<=' ? '≤' : '≥'} ${g.goal}× floor`, g.ratio, g.goal, '×', g.dir);
  return { ...t, measured: `${fmt(g.ratio)}×`, beside: `${g.mine} vs floor ${g.floor}` };
}
