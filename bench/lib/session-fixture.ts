/**
 * Scripted sessions for the benches: the scripted model's script, and for the spawn bench
 * a session folder built by hand (session.json, the agent catalogue, agent.json, an `assign`
 * in the worker's mailbox), so one worker can be started exactly as the coordinator starts it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SessionOptionsSchema } from '../../src/config.js';
import { MailboxSender, createMailbox } from '../../src/mailbox/index.js';
import type { Script, ScriptEntry } from '../../src/model/scripted.js';
import { createSessionFolder } from '../../src/session/create.js';
import { COORDINATOR_ID, sessionPaths } from '../../src/session/layout.js';
import type { SessionRecord } from '../../src/session/records.js';
import { writeAgentRecord, writeSessionRecord } from '../../src/session/store.js';
import { builtinCatalogue, toolsForAgent } from '../../src/agents/builtin.js';
import { writeCatalogue } from '../../src/agents/snapshot.js';

export function textEntry(text: string, delayMs = 0): ScriptEntry {
  return { ...(delayMs ? { delayMs } : {}), response: { content: [{ type: 'text', text }], stop_reason: 'end_turn', usage: { input_tokens: 10, output_tokens: 10 } } };
}

export function toolEntry(id: string, name: string, input: Record<string, unknown>, delayMs = 0): ScriptEntry {
  return {
    ...(delayMs ? { delayMs } : {}),
    response: { content: [{ type: 'tool_use', id, name, input }], stop_reason: 'tool_use', usage: { input_tokens: 10, output_tokens: 10 } },
  };
}

/** The coordinator's planning answer: n independent research subtasks. */
export function planEntry(n: number): ScriptEntry {
  const subtasks = Array.from({ length: n }, (_, i) => ({
    id: `part-${i + 1}`,
    role: 'research',
    description: `Bench subtask ${i + 1}: report on part ${i + 1}.`,
    dependsOn: [],
    required: false,
  }));
  return toolEntry('toolu_plan', 'plan_subtasks', { subtasks, failurePolicy: 'all' });
}

/** A session script: plan n subtasks, run each worker's queue, then synthesize. */
export function sessionScript(n: number, workers: Record<string, ScriptEntry[]>): Script {
  return { agents: { coordinator: [planEntry(n), textEntry('Bench synthesis: all parts reported.')], ...workers } };
}

export function writeScript(dir: string, script: Script): string {
  const file = path.join(dir, 'script.json');
  fs.writeFileSync(file, JSON.stringify(script, null, 2));
  return file;
}

/** A session folder with a coordinator mailbox, as runSession would leave it before spawning. */
export async function createBenchSession(runtimeDir: string, script: Script): Promise<{ sessionDir: string; record: SessionRecord }> {
  const { dir: sessionDir, record } = await createSessionFolder(runtimeDir, {
    // The script lives in the session folder, which does not exist yet: the options are set below.
    options: SessionOptionsSchema.parse({ task: 'bench: spawn workers', provider: 'scripted' }),
    provider: 'scripted',
    models: { coordinator: 'scripted', worker: 'scripted', router: 'scripted' },
  });
  const p = sessionPaths(sessionDir);
  const scriptFile = writeScript(sessionDir, script);
  record.options = SessionOptionsSchema.parse({ task: record.task, provider: 'scripted', scriptFile, sourceRoot: p.workspace });
  await writeSessionRecord(sessionDir, record);
  // The agent catalogue's snapshot, as runSession writes it before any worker starts.
  await writeCatalogue(sessionDir, builtinCatalogue());
  await createMailbox(sessionDir, COORDINATOR_ID);
  return { sessionDir, record };
}

/** What the coordinator does before it spawns a worker: its folder, agent.json, and the assign. */
export async function prepareWorker(sessionDir: string, record: SessionRecord, sender: MailboxSender, agentId: string, subtaskId: string): Promise<void> {
  await createMailbox(sessionDir, agentId);
  await writeAgentRecord(sessionDir, {
    v: 1,
    id: agentId,
    role: 'research',
    subtask: subtaskId,
    tools: toolsForAgent('research').map((t) => t.name),
    model: 'scripted',
    limits: record.options.limits,
    status: 'pending',
    attempt: 1,
  });
  await sender.send(
    agentId,
    'assign',
    {
      subtask: { id: subtaskId, role: 'research', description: 'Bench: start, report started, then wait on the model.' },
      inputs: [],
      attempt: 1,
      limits: record.options.limits,
      continueFromTranscript: false,
    },
    { id: `assign-1-${subtaskId}` },
  );
}
