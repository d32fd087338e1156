/** Builders for the scripted provider's JSON script, and readers for its calls log. */
import fs from 'node:fs';
import path from 'node:path';
import type { PlanInput } from '../../src/contracts/plan.js';
import { readCalls, type Script, type ScriptEntry } from '../../src/model/scripted.js';

export function planReply(plan: PlanInput): ScriptEntry {
  return { response: { content: [{ type: 'tool_use', id: 'toolu_plan', name: 'plan_subtasks', input: plan }], stop_reason: 'tool_use' } };
}

export function textReply(text: string, delayMs?: number): ScriptEntry {
  return { ...(delayMs ? { delayMs } : {}), response: { content: [{ type: 'text', text }], stop_reason: 'end_turn' } };
}

export function toolReply(name: string, input: Record<string, unknown>, delayMs?: number): ScriptEntry {
  return { ...(delayMs ? { delayMs } : {}), response: { content: [{ type: 'tool_use', id: `toolu_${name}`, name, input }], stop_reason: 'tool_use' } };
}

/** Writes a script into `dir` and returns its path. */
export function writeScript(dir: string, script: Script): string {
  const file = path.join(dir, 'script.json');
  fs.writeFileSync(file, JSON.stringify(script, null, 2));
  return file;
}

/** Model calls per agent id, from the calls log beside the script. */
export function callsByAgent(scriptFile: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of readCalls(`${scriptFile}.calls.jsonl`)) out[c.agent] = (out[c.agent] ?? 0) + 1;
  return out;
}

/** A plan of two independent research subtasks and a writing subtask that needs both. */
export const THREE_STEP_PLAN: PlanInput = {
  subtasks: [
    { id: 'alpha', role: 'research', description: 'Research alpha', dependsOn: [] },
    { id: 'beta', role: 'research', description: 'Research beta', dependsOn: [] },
    { id: 'gamma', role: 'writing', description: 'Write up alpha and beta', dependsOn: ['alpha', 'beta'] },
  ],
  failurePolicy: 'all',
};

/** Polls until `check` returns a value, or fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | false, ms = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Journal entries of a session (tolerating a torn last line). */
export function journalOf(sessionDir: string): Array<Record<string, unknown> & { type: string; t: number }> {
  const file = path.join(sessionDir, 'journal.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown> & { type: string; t: number }];
      } catch {
        return [];
      }
    });
}
