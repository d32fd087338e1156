/**
 * Shared bits of the Anthropic-provider tests: scripting a whole session on the fake
 * Messages API, and reading what the real SDK sent.
 */
import path from 'node:path';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';
import type { FakeAnthropicServer, FakeBlock, FakeReply, RecordedRequest, ReportedUsage } from '../support/fake-anthropic/index.js';
import { readJson } from '../support/cli.js';

/** What each kind of call in a session gets, in order. Exhausted queues answer "unscripted" (500, not retried). */
export interface SessionScript {
  /** Coordinator calls that force `plan_subtasks`. */
  plan: FakeReply[];
  /** Coordinator calls without tools: the synthesis. */
  synthesis: FakeReply[];
  /** Worker calls, by agent id (x-mailroom-agent). */
  workers: Record<string, FakeReply[]>;
}

/** Routes every request by its agent header and, for the coordinator, by what it asks for. */
export function routeSession(server: FakeAnthropicServer, script: SessionScript): void {
  server.respond((req) => {
    if (req.agent === 'coordinator') {
      // Live-coordination consultations (on a worker's failure or question) take no action here.
      if (isConsultation(req)) return { type: 'message', content: [{ type: 'text', text: 'No action.' }] };
      return (isPlanning(req) ? script.plan : script.synthesis).shift();
    }
    return req.agent ? script.workers[req.agent]?.shift() : undefined;
  });
}

export function isConsultation(req: RecordedRequest): boolean {
  return req.headers['x-mailroom-purpose'] === 'consult';
}

export function isPlanning(req: RecordedRequest): boolean {
  return req.body?.tool_choice?.type === 'tool' && req.body?.tool_choice?.name === 'plan_subtasks';
}

export interface PlannedSubtask {
  id: string;
  role: 'research' | 'writing' | 'analysis' | 'review';
  description: string;
  dependsOn?: string[];
  required?: boolean;
}

/** The coordinator's answer to planning: one plan_subtasks call. */
export function planReply(subtasks: PlannedSubtask[], failurePolicy: unknown = 'best-effort', usage?: Partial<ReportedUsage>): FakeReply {
  return {
    type: 'message',
    content: [{ type: 'tool_use', id: 'toolu_plan_1', name: 'plan_subtasks', input: { subtasks, failurePolicy } }],
    ...(usage ? { usage } : {}),
  };
}

export function textReply(text: string, extra: { stop_reason?: 'end_turn' | 'max_tokens' | 'refusal' | 'model_context_window_exceeded' | 'pause_turn'; usage?: Partial<ReportedUsage> } = {}): FakeReply {
  return { type: 'message', content: [{ type: 'text', text }], ...extra };
}

export function blocksReply(content: FakeBlock[], extra: { stop_reason?: 'end_turn' | 'tool_use' | 'max_tokens' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded'; usage?: Partial<ReportedUsage> } = {}): FakeReply {
  return { type: 'message', content, ...extra };
}

/** The env of a CLI run against the fake: its URL, a key, and no model overrides from the outside. */
export function fakeEnv(server: FakeAnthropicServer, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ANTHROPIC_API_KEY: 'test',
    ANTHROPIC_BASE_URL: server.url,
    // Empty counts as unset; these keep a developer's own settings out of the test.
    MAILROOM_MODEL: '',
    MAILROOM_WORKER_MODEL: '',
    MAILROOM_ROUTER_MODEL: '',
    MAILROOM_MAX_RETRIES: '3',
    MAILROOM_PROMPT_CACHING: '',
    ANTHROPIC_AUTH_TOKEN: '',
    ...extra,
  };
}

/** Tool names of a recorded request. */
export function toolNames(req: RecordedRequest): string[] {
  return ((req.body?.tools ?? []) as Array<{ name: string }>).map((t) => t.name);
}

/** The whole request body as text, for "does it mention X anywhere" checks. */
export function bodyText(req: RecordedRequest): string {
  return JSON.stringify(req.body);
}

/** usage.json's total in the API's four fields. */
export function usageTotal(sessionDir: string): ReportedUsage & { calls: number } {
  const u = readJson<{ total: ReportedUsage & { calls: number } }>(path.join(sessionDir, 'usage.json'));
  return {
    input_tokens: u.total.input_tokens,
    output_tokens: u.total.output_tokens,
    cache_read_input_tokens: u.total.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: u.total.cache_creation_input_tokens ?? 0,
    calls: u.total.calls,
  };
}


/**
 * Worker processes still alive after a bounded wait. A worker exits on its own just after
 * sending its result, which may be a moment after a fast coordinator has already finished.
 */
export async function workersLeft(sessionDir: string, withinMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = [...findWorkerProcesses(sessionDir).keys()];
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
