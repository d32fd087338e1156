/**
 * The timeline: one lane per agent, one bar per attempt from spawn to its end, with marks
 * for started, progress turns, result, failure, each termination step, reattach, resume
 * and (later) the wait for a person. Hover a mark for what it was.
 */
import { html } from 'htm/preact';
import type { SessionPayload } from '../api.js';
import { fmtClock, fmtDuration } from '../format.js';

type Timeline = SessionPayload['timeline'];

const LABEL_W = 140;
const W = 1000;
const LANE_H = 30;
const AXIS_H = 24;

const MARK_KINDS: Array<[string, string]> = [
  ['spawn', 'spawn'],
  ['started', 'started'],
  ['progress', 'progress turn'],
  ['result', 'result'],
  ['failure', 'failure'],
  ['shutdown', 'shutdown'],
  ['SIGTERM', 'SIGTERM'],
  ['SIGKILL', 'SIGKILL'],
  ['gone', 'gone'],
  ['reattach', 'reattach'],
  ['resume', 'resume'],
  ['synthesis', 'synthesis'],
  ['waiting', 'waiting for a person'],
];

function Mark({ x, y, kind, label }: { x: number; y: number; kind: string; label: string }) {
  const title = html`<title>${label}</title>`;
  if (kind === 'progress') return html`<line class="mk mk-progress" data-kind=${kind} x1=${x} x2=${x} y1=${y - 6} y2=${y + 6}>${title}</line>`;
  if (kind === 'shutdown' || kind === 'SIGTERM' || kind === 'SIGKILL' || kind === 'gone')
    return html`<path class=${`mk mk-${kind}`} data-kind=${kind} d=${`M${x - 5},${y - 5} L${x + 5},${y + 5} M${x + 5},${y - 5} L${x - 5},${y + 5}`}>${title}</path>`;
  if (kind === 'result' || kind === 'failure' || kind === 'synthesis')
    return html`<path class=${`mk mk-${kind}`} data-kind=${kind} d=${`M${x},${y - 6} L${x + 6},${y} L${x},${y + 6} L${x - 6},${y} z`}>${title}</path>`;
  return html`<circle class=${`mk mk-${kind}`} data-kind=${kind} cx=${x} cy=${y} r="4.5">${title}</circle>`;
}

export function TimelineChart({ timeline, running }: { timeline: Timeline; running: boolean }) {
  if (timeline.start === undefined || timeline.lanes.length === 0) return html`<div class="empty">Nothing has run yet.</div>`;
  const start = timeline.start;
  const end = Math.max(running ? Date.now() : (timeline.end ?? start), start + 1);
  const span = end - start;
  const x = (t: number) => LABEL_W + ((t - start) / span) * (W - LABEL_W - 12);
  const height = AXIS_H + timeline.lanes.length * LANE_H + 6;
  const ticks = Array.from({ length: 6 }, (_, i) => start + (span * i) / 5);
  return html`
    <svg class="timeline" data-testid="timeline" viewBox=${`0 0 ${W} ${height}`} preserveAspectRatio="xMinYMin meet" role="img" aria-label="timeline">
      ${ticks.map(
        (t, i) => html`<g class="tick">
          <line x1=${x(t)} x2=${x(t)} y1=${AXIS_H - 4} y2=${height} />
          <text x=${x(t)} y="14" text-anchor=${i === 0 ? 'start' : i === 5 ? 'end' : 'middle'}>${i === 0 ? fmtClock(t).slice(0, 8) : `+${fmtDuration(t - start)}`}</text>
        </g>`,
      )}
      ${timeline.lanes.map((lane, i) => {
        const y = AXIS_H + i * LANE_H + LANE_H / 2;
        return html`<g class="lane" data-testid="lane" data-agent=${lane.agent}>
          <text class="lane-label" x="4" y=${y + 4}>${lane.agent}</text>
          <line class="lane-line" x1=${LABEL_W} x2=${W - 8} y1=${y} y2=${y} />
          ${lane.bars.map((b) => {
            const x0 = x(b.start);
            const x1 = Math.max(x0 + 3, x(b.end ?? end));
            return html`<g class="attempt" data-testid="attempt-bar" data-agent=${b.agent} data-attempt=${b.attempt} data-outcome=${b.outcome}>
              <rect class=${`bar out-${b.outcome}`} x=${x0} y=${y - 8} width=${x1 - x0} height="16" rx="4">
                <title>${`${b.agent} attempt ${b.attempt}: ${b.outcome}, ${fmtDuration((b.end ?? end) - b.start)}`}</title>
              </rect>
              ${b.marks.map((m) => html`<${Mark} x=${x(m.t)} y=${y} kind=${m.kind} label=${`${fmtClock(m.t)} ${m.label}`} />`)}
            </g>`;
          })}
        </g>`;
      })}
    </svg>
    <div class="legend">
      ${MARK_KINDS.map(([k, label]) => html`<span class="lg"><svg width="14" height="14" viewBox="-7 -7 14 14"><${Mark} x=${0} y=${0} kind=${k} label=${label} /></svg>${label}</span>`)}
    </div>
  `;
}
