/**
 * The offline model's worker turns. Each role follows a short, fixed routine that calls
 * the worker's real tools (found in the request's tool list) and then answers by
 * extracting from what those tools returned. It never adds a fact of its own.
 */
import type { ContentBlock, ModelRequest } from '../types.js';
import { researchTurn } from './research.js';
import { call, coreTask, readState, unwrapToolResult, type TurnReply, type WorkerState } from './turn-state.js';
import { writingTurn } from './writing.js';

export type { TurnReply } from './turn-state.js';

export function workerTurn(request: ModelRequest): TurnReply {
  const state = readState(request);
  switch (request.metadata?.role) {
    case 'research':
      return researchTurn(state);
    case 'writing':
      return writingTurn(state);
    case 'analysis':
      return analysisTurn(state);
    case 'review':
      return reviewTurn(state);
    default:
      return { kind: 'answer', text: extractAnswer(state) };
  }
}

function analysisTurn(state: WorkerState): TurnReply {
  const material = state.inputs.map((i) => i.body).join('\n') || coreTask(state.task);
  const ran = state.exchanges.find((e) => e.name === 'run_javascript');
  if (!ran) {
    const code = [
      `const text = ${JSON.stringify(material)};`,
      'const lines = text.split("\\n").filter((l) => l.trim());',
      'const words = text.toLowerCase().match(/[a-z]{4,}/g) || [];',
      'const freq = {}; for (const w of words) freq[w] = (freq[w] || 0) + 1;',
      'const top = Object.entries(freq).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 8);',
      'JSON.stringify({ lines: lines.length, words: words.length, distinct: Object.keys(freq).length, top });',
    ].join('\n');
    const c = call(state, 'run_javascript', { code });
    if (c) return { kind: 'tools', calls: [c] };
  }
  const text = ran
    ? `Analysis of ${state.inputs.length > 0 ? state.inputs.map((i) => i.from).join(', ') : 'the task text'} (computed with run_javascript):\n${unwrapToolResult(ran.result)}`
    : 'No analysis tool was available.';
  return { kind: 'answer', text };
}

function reviewTurn(state: WorkerState): TurnReply {
  const reviewed = state.exchanges.find((e) => e.name === 'submit_review');
  if (!reviewed) {
    const body = state.inputs.map((i) => i.body).join('\n');
    const criteria = [
      { name: 'structure', score: /^#{1,3} /m.test(body) ? 1 : 0.5, feedback: /^#{1,3} /m.test(body) ? 'Has headings.' : 'Add headings.' },
      {
        name: 'sources',
        score: /`[^`]+\.[a-z]{1,5}`|https?:\/\//.test(body) ? 1 : 0.4,
        feedback: /`[^`]+\.[a-z]{1,5}`|https?:\/\//.test(body) ? 'Cites its sources.' : 'Cite the sources of each claim.',
      },
      { name: 'substance', score: Math.min(1, body.length / 1500), feedback: body.length >= 1500 ? 'Enough detail.' : 'Too thin; add detail.' },
    ];
    const score = Math.round((criteria.reduce((a, c) => a + c.score, 0) / criteria.length) * 100) / 100;
    const c = call(state, 'submit_review', { score, summary: `Score ${score} over ${criteria.length} criteria.`, criteria });
    if (c) return { kind: 'tools', calls: [c] };
  }
  return { kind: 'answer', text: reviewed ? `Review submitted:\n${reviewed.result}` : 'No review tool was available.' };
}

function extractAnswer(state: WorkerState): string {
  return state.inputs.map((i) => i.body).join('\n\n') || coreTask(state.task);
}

/** Content blocks for a reply. Tool use ids are deterministic per turn. */
export function replyBlocks(reply: TurnReply, turn: number): ContentBlock[] {
  if (reply.kind === 'answer') return [{ type: 'text', text: reply.text }];
  return reply.calls.map((c, i) => ({ type: 'tool_use', id: `toolu_offline_${turn}_${i}`, name: c.name, input: c.input }));
}

export function turnIndex(request: ModelRequest): number {
  return request.messages.filter((m) => m.role === 'assistant').length;
}
