/**
 * One worker attempt, in its own process: read the assignment from the mailbox (attempt.ts,
 * up to `started`), load its agent's definition and exactly its tools, run the agent loop
 * with a fresh history, report to the coordinator, and exit. It obeys `shutdown`, and it never waits forever: with no assignment, or once
 * its result is sent, it leaves.
 */
import fs from 'node:fs';
import { LimitExceededError, MailroomError, describeError } from '../errors.js';
import type { Message, Usage } from '../model/types.js';
import { addUsage } from '../contracts/usage.js';
import { isPidAlive } from '../util/fs.js';
import { COORDINATOR_ID, sessionPaths } from '../session/layout.js';
import type { SessionWatch } from '../session/store.js';
import type { ToolContext } from '../tools/types.js';
import type { AgentDefinition } from '../agents/schema.js';
import type { AgentTools } from './tools.js';
import { openAttempt, type OpenAttempt, type WorkerRunOptions } from './attempt.js';
import { PeopleWaits, forwardedToPerson } from './people.js';
import { WallClock } from './wall-clock.js';

export type { WorkerRunOptions } from './attempt.js';
export { LOCK_LOST_EXIT_CODE } from './attempt.js';

/** Runs the worker to completion; resolves with the process exit code. */
export async function runWorker(opts: WorkerRunOptions): Promise<number> {
  const opened = await openAttempt(opts);
  return opened ? runAssigned(opts, opened) : 1;
}

/** The attempt's second half, once `started` is sent: the agent's tools, its loop, its result. */
async function runAssigned(opts: WorkerRunOptions, opened: OpenAttempt): Promise<number> {
  const { sessionDir, agentId } = opts;
  const { session, agent, paths, heartbeat, transport, sender, watch, abort, mail, reader, assign, log } = opened;
  const { inbox, replies } = mail;
  const { subtask, limits, attempt } = assign.body;
  const role = subtask.role;
  // Loaded only now, after `started` (a warm spare has them loaded already: worker/spare.ts).
  const { runAgentLoop, Transcript, resumableMessages, createModel, workerSystemPrompt, workerTaskMessage, readCatalogue, loadAgentTools } = await import('./after-assign.js');

  // Stopped while the worker waits for a person.
  const wallClock = new WallClock(limits.wallClockMs, () => abort.abort(new LimitExceededError('wall_clock', `wall-clock limit reached (${limits.wallClockMs} ms)`)));
  wallClock.start();

  // The agent's definition from the session's catalogue, and exactly its tools.
  let agentTools: AgentTools;
  let def: AgentDefinition;
  try {
    const catalogue = await readCatalogue(sessionDir);
    const found = catalogue.agents.find((a) => a.name === role);
    if (!found) throw new MailroomError('E_UNKNOWN_AGENT', `agent "${role}" is not in the session's catalogue (${catalogue.agents.map((a) => a.name).join(', ')})`);
    def = found;
    agentTools = await loadAgentTools(def, catalogue, { provider: session.provider, serverToolsEnabled: session.options.serverTools, logger: log });
  } catch (err) {
    wallClock.stop();
    log.error({ err }, 'could not load the agent\'s tools');
    await sender.send(COORDINATOR_ID, 'failure', {
      subtask: subtask.id,
      attempt,
      error: { code: err instanceof MailroomError ? err.code : 'E_WORKER', message: describeError(err) },
      turns: 0,
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    await reader.stop();
    heartbeat.stop();
    await transport.close();
    return 1;
  }
  const { tools, definitions: toolDefinitions, serverTools } = agentTools;
  const transcript = new Transcript(paths.transcript, attempt);
  const system = workerSystemPrompt({ name: def.name, prompt: def.prompt, ...(agentTools.outputTool ? { outputTool: agentTools.outputTool } : {}) }, agentId);
  let messages: Message[] = [];
  if (assign.body.continueFromTranscript && fs.existsSync(paths.transcript)) {
    messages = resumableMessages(await Transcript.read(paths.transcript));
    transcript.note(`attempt ${attempt} continues from ${messages.length} earlier message(s)`);
  }
  if (messages.length === 0) {
    transcript.system(system, [...tools.map((t) => t.name), ...serverTools.map((t) => t.name)]);
    const first: Message = { role: 'user', content: workerTaskMessage(subtask.description, subtask.context, assign.body.inputs) };
    transcript.message(first);
    messages = [first];
  }

  const waits = new PeopleWaits({
    sessionDir,
    agentId,
    subtask: subtask.id,
    attempt,
    sender,
    transcript,
    logger: log,
    signal: abort.signal,
    wallClock,
    approval: def.approval,
    requireApproval: session.options.requireApproval,
    approveAll: session.options.approveAll,
    ...(session.options.approvalTimeoutMs !== undefined ? { approvalTimeoutMs: session.options.approvalTimeoutMs } : {}),
    ...(agentTools.outputTool ? { outputTool: agentTools.outputTool } : {}),
  });
  mail.deliverRepliesTo(waits);
  const toolContext: ToolContext = {
    sessionDir,
    workspaceDir: sessionPaths(sessionDir).workspace,
    agentId,
    role,
    settings: {
      sourceRoot: session.options.sourceRoot ?? process.cwd(),
      includePrivateFiles: session.options.includePrivateFiles,
      fetchAllowHosts: session.options.fetchAllowHosts,
      maxOutputChars: 20_000,
    },
    logger: log,
    signal: abort.signal,
    askCoordinator: async (question) => {
      const id = `q-${subtask.id}-${Date.now()}`.slice(0, 64);
      let forwarded = false;
      let onAbort = (): void => undefined;
      const answer = new Promise<string | undefined>((resolve) => {
        replies.set(id, resolve);
        onAbort = () => resolve(undefined);
        // A question the coordinator handed to a person waits for them, off the wall clock.
        const onTimeout = () =>
          void forwardedToPerson(sessionDir, id).then((yes) => {
            if (!yes) return resolve(undefined);
            forwarded = true;
            wallClock.pause();
          });
        const timer = setTimeout(onTimeout, QUESTION_TIMEOUT_MS);
        timer.unref();
        abort.signal.addEventListener('abort', onAbort, { once: true });
      });
      await sender.send(COORDINATOR_ID, 'question', { subtask: subtask.id, question }, { id });
      const text = await answer;
      // The signal is the attempt's: a listener left per question would pile up on it.
      abort.signal.removeEventListener('abort', onAbort);
      if (forwarded) wallClock.resume();
      replies.delete(id);
      return text;
    },
    askHuman: (question) => waits.ask(question),
  };

  const model = await createModel(session.provider as 'anthropic' | 'offline' | 'scripted', {
    provider: session.provider as 'anthropic',
    scriptFile: session.options.scriptFile,
    defaultModel: agent.model,
  });

  let code = 0;
  // Kept current every turn so a failure still reports what the attempt spent.
  let spent = { turns: 0, usage: { input_tokens: 0, output_tokens: 0 } as Usage };
  let turnsBefore = 0;
  let usageBefore: Usage = { input_tokens: 0, output_tokens: 0 };
  try {
    for (let round = 1; ; round++) {
      const result = await runAgentLoop({
        model,
        modelId: assign.body.model ?? agent.model,
        system,
        messages,
        tools,
        toolDefinitions,
        serverTools,
        limits,
        signal: abort.signal,
        toolContext,
        agentId,
        role,
        onMessage: (m, extra) => transcript.message(m, extra),
        onTurn: async (turn, usage) => {
          spent = { turns: turnsBefore + turn, usage: addUsage(usageBefore, usage) };
          await sender.send(COORDINATOR_ID, 'progress', { subtask: subtask.id, turn: spent.turns, usage: spent.usage });
        },
        drainInbox: () => inbox.splice(0),
        approve: (block) => waits.approve(block),
        ...(agentTools.outputTool ? { outputTool: agentTools.outputTool } : {}),
      });
      turnsBefore += result.turns;
      usageBefore = addUsage(usageBefore, result.usage);
      spent = { turns: turnsBefore, usage: usageBefore };
      await sender.send(COORDINATOR_ID, 'result', {
        subtask: subtask.id,
        attempt,
        round,
        output: result.output,
        turns: turnsBefore,
        usage: usageBefore,
        ...(result.structured !== undefined ? { structured: result.structured } : {}),
      });
      log.info({ round, turns: result.turns, usage: result.usage }, 'subtask result sent');
      if (!assign.body.persistent) break;
      // A persistent worker waits for the next round: a message to act on, or shutdown.
      const next = await waitForMessage(inbox, abort.signal, watch, (w) => (mail.wakeIdle = w));
      if (next === undefined) break;
      const user: Message = { role: 'user', content: `<coordinator-message>\n${next}\n</coordinator-message>` };
      transcript.message(user);
      messages = [...result.messages, user];
    }
  } catch (err) {
    const reason = abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : err;
    const codeName = reason instanceof MailroomError ? reason.code : 'E_WORKER';
    log.error({ err: reason }, 'subtask failed');
    transcript.note(`failed: ${describeError(reason)}`);
    await sender.send(COORDINATOR_ID, 'failure', {
      subtask: subtask.id,
      attempt,
      error: { code: codeName, message: describeError(reason) },
      turns: spent.turns,
      usage: spent.usage,
    });
    code = 1;
  } finally {
    wallClock.stop();
    // Every MCP server this worker started ends with it.
    await agentTools.close();
    await reader.stop();
    heartbeat.stop();
    await transport.close();
  }
  return code;
}

/** How long `ask_coordinator` waits for an answer. */
const QUESTION_TIMEOUT_MS = 120_000;

/** A persistent worker with nothing to do exits after this long, so it never waits forever. */
const PERSISTENT_IDLE_MS = 10 * 60_000;

/**
 * Waits for the next message of a persistent worker. Resolves undefined on shutdown, on
 * the idle limit, or when the coordinator is gone: the worker's work is done, so it leaves.
 */
async function waitForMessage(
  inbox: string[],
  signal: AbortSignal,
  watch: SessionWatch,
  setWake: (wake: (() => void) | undefined) => void,
): Promise<string | undefined> {
  const deadline = Date.now() + PERSISTENT_IDLE_MS;
  try {
    for (;;) {
      if (inbox.length > 0) return inbox.shift();
      if (signal.aborted || Date.now() > deadline) return undefined;
      if (!isPidAlive(watch.coordinatorPid())) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        setWake(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  } finally {
    setWake(undefined);
  }
}
