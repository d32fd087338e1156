/**
 * `mailroom show <id|latest>`: one session at a glance. The agent tree (the coordinator
 * and the workers it spawned) with status, attempts, pid, mailbox counts and usage; what
 * each subtask produced or why it failed; and where the answer is.
 */
import type { Plan } from '../../contracts/plan.js';
import type { JournalEntry } from '../../session/journal.js';
import { COORDINATOR_ID } from '../../session/layout.js';
import type { AgentView, SessionView } from '../../inspect/session-view.js';
import { formatClock, formatCost, formatDuration, formatTokens, oneLine, plural, table, truncate } from './format.js';
import { knownCost, tokensOf } from './session-data.js';

export { loadSessionView, type AgentView, type SessionView } from '../../inspect/session-view.js';

function describePolicy(p: Plan['failurePolicy'] | undefined): string {
  if (p === undefined) return '-';
  return typeof p === 'object' ? `quorum ${p.quorum}` : p;
}

/** The text `show` prints. */
export function formatShow(v: SessionView, opts: { now?: number; columns?: number } = {}): string {
  const now = opts.now ?? Date.now();
  const cols = Math.max(60, opts.columns ?? 120);
  const r = v.record;
  const out: string[] = [];
  const started = r?.createdAt ? Date.parse(r.createdAt) : undefined;
  const ended = r?.endedAt ? Date.parse(r.endedAt) : undefined;
  const took = started !== undefined ? ((ended ?? (v.status === 'running' ? now : undefined)) ?? NaN) - started : undefined;
  const head: string[][] = [
    ['session', `${v.ref.id}  ${v.status}${v.record?.reason ? `: ${oneLine(v.record.reason)}` : ''}`],
    ['task', truncate(oneLine(r?.task ?? '-'), cols - 10)],
    [
      'started',
      `${started !== undefined ? formatClock(started, now) : '-'}${took !== undefined && Number.isFinite(took) ? `, ${v.status === 'running' ? 'running for' : 'took'} ${formatDuration(took)}` : ''}`,
    ],
    ['provider', `${r?.provider ?? '-'}${r?.options?.pattern ? `, pattern ${String(r.options.pattern)}` : ''}${r?.models ? `, models ${[...new Set(Object.values(r.models))].join('/')}` : ''}`],
  ];
  if (v.plan) head.push(['plan', `${plural(v.plan.subtasks.length, 'subtask')}, failure policy ${describePolicy(v.plan.failurePolicy)}`]);
  if (v.usage) {
    const t = v.usage.total;
    const cost = knownCost(v.usage);
    head.push([
      'usage',
      `${formatTokens(tokensOf(t))} tokens (${formatTokens(t.input_tokens)} in, ${formatTokens(t.output_tokens)} out) in ${plural(t.calls ?? 0, 'model call')}, cost ${formatCost(cost.usd, cost.incomplete)}${cost.usd === undefined ? ' (no price for these models)' : cost.incomplete ? ' (some models have no price)' : ''}`,
    ]);
  }
  head.push([
    'result',
    v.resultFile
      ? `${v.resultFile.path} (${formatTokens(v.resultFile.bytes)} bytes)`
      : v.status === 'running'
        ? '(not yet: the session is running)'
        : '(none: no result.md; partial results are in the journal, below)',
  ]);
  if (v.workspaceFiles.length) head.push(['workspace', truncate(v.workspaceFiles.join(', '), cols - 12)]);
  head.push(['files', v.ref.dir]);
  out.push(...table(head));
  out.push('');

  // The agent tree: the coordinator spawned every worker.
  const workers = v.agents.filter((a) => a.id !== COORDINATOR_ID);
  // Workers on worker hosts (redis transport): the PID column names the host, pid@host.
  const hosts = v.agents.some((a) => a.record?.host !== undefined);
  const rows: string[][] = [['AGENT', 'ROLE', 'STATUS', 'TRIES', hosts ? 'PID@HOST' : 'PID', 'NEW', 'CUR', 'DEAD', 'CALLS', 'TOKENS', 'COST']];
  const row = (a: AgentView, prefix: string): string[] => [
    prefix + a.id,
    a.record?.role ?? '-',
    a.status,
    String(a.attempts || '-'),
    a.pid !== undefined ? `${a.pid}${a.record?.host !== undefined ? `@${a.record.host}` : ''}${a.pidAlive ? '*' : ''}` : '-',
    a.mailbox ? String(a.mailbox.new) : '-',
    a.mailbox ? String(a.mailbox.cur) : '-',
    a.mailbox ? String(a.mailbox.dead) : '-',
    a.usage ? String(a.usage.calls) : '-',
    formatTokens(tokensOf(a.usage?.usage)),
    formatCost(a.usage?.costUsd),
  ];
  const coordinator = v.agents.find((a) => a.id === COORDINATOR_ID);
  if (coordinator) rows.push(row(coordinator, ''));
  workers.forEach((a, i) => rows.push(row(a, coordinator ? (i === workers.length - 1 ? '└─ ' : '├─ ') : '')));
  out.push(...table(rows, ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']));
  if (v.agents.some((a) => a.pidAlive)) out.push('(* = process alive now)');

  // Per worker: its subtask, and what came of it.
  if (workers.length || v.notSpawned.length) out.push('');
  for (const a of workers) {
    const s = a.subtask;
    const deps = s?.dependsOn.length ? ` after ${s.dependsOn.join(', ')}` : '';
    out.push(`${a.id}  ${s ? `${s.id}${deps}${s.required ? ' (required)' : ''}: ` : ''}${truncate(oneLine(s?.description ?? a.record?.subtask ?? ''), cols - a.id.length - 4)}`);
    if (a.result !== undefined) {
      const lines = a.result.trim().split('\n');
      const first = oneLine(lines[0] ?? '');
      out.push(`    result: ${truncate(first || '(empty)', cols - 12)}${lines.length > 1 ? ` (+${lines.length - 1} more line(s))` : ''}`);
    }
    if (a.failure) out.push(`    ${a.failure.final ? 'failed' : 'failed, retried'} (attempt ${a.failure.attempt}): ${truncate(oneLine(a.failure.error), cols - 30)}`);
    if (a.ranOnSpare) out.push(`    ran on warm spare ${a.ranOnSpare} (no process start)`);
    if (a.result === undefined && !a.failure) out.push(`    no result yet`);
  }
  for (const s of v.notSpawned) {
    const deps = s.dependsOn.length ? ` after ${s.dependsOn.join(', ')}` : '';
    out.push(`(no agent)  ${s.id}${deps}${s.required ? ' (required)' : ''}: ${truncate(oneLine(s.description), cols - s.id.length - 16)}`);
    out.push(`    ${v.status === 'running' ? 'not started yet' : 'never started'}`);
  }
  // Warm spares: processes started ahead of subtasks; one that took a subtask ran as its agent.
  if (v.spares.length) {
    out.push('', 'warm spares:');
    for (const a of v.spares) {
      const what = a.spareBecame ? `ran ${a.spareBecame} (its log and transcript are there)` : a.status === 'spare' ? 'idle, waiting for a subtask' : 'ended unused';
      out.push(`  ${a.id}  ${a.pid !== undefined ? `pid ${a.pid}${a.pidAlive ? '*' : ''}  ` : ''}${what}`);
    }
  }
  const terminations = v.journal.filter((e): e is Extract<JournalEntry, { type: 'terminate' }> => e.type === 'terminate');
  if (terminations.length) {
    out.push('', 'terminations:');
    for (const e of terminations) out.push(`  ${formatClock(e.t, now)}  ${e.agent}  ${e.step}  (${truncate(oneLine(e.reason), cols - 40)})`);
  }
  return out.join('\n') + '\n';
}

