/**
 * The `scripted` provider, for tests and benches: responses queued per agent (or per
 * role, or `*`), with injected errors and delays. Workers are separate processes, so the
 * script is a JSON file every process reads, and each call is appended to a shared calls
 * log; an agent's position in its queue is the number of calls it already made. That also
 * lets a resumed agent pick up where its crashed predecessor stopped, and lets tests count
 * model calls across processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ModelError, ModelOverloadedError, ModelRateLimitError } from '../errors.js';
import type { OfflineModel } from './offline/index.js';
import type { ContentBlock, Model, ModelCallOptions, ModelRequest, ModelResponse, StopReason } from './types.js';
import * as z from '../contracts/mini.js';
import { PARSED_ONCE } from '../contracts/parse-once.js';

// zod/mini, as the contracts: a worker on this model reads its script before its first call,
// and would otherwise load zod's classic API for it alone.
const ScriptEntrySchema = z.object({
  /** Delay before answering, in ms. */
  delayMs: z.optional(z.number().check(z.nonnegative())),
  response: z.optional(
    z.object({
      content: z.array(z.record(z.string(), z.unknown())),
      stop_reason: z._default(z.string(), 'end_turn'),
      usage: z.optional(z.partial(z.object({ input_tokens: z.number(), output_tokens: z.number() }))),
    }),
  ),
  error: z.optional(z.object({ status: z.number(), message: z.optional(z.string()) })),
  /** Hang until aborted: a stuck model call. */
  hang: z.optional(z.boolean()),
  /** Keep answering with this entry once reached, instead of running out. */
  repeat: z.optional(z.boolean()),
  /** Answer this call with the built-in offline model (script some agents, let others run offline). */
  offline: z.optional(z.boolean()),
});
export type ScriptEntry = z.input<typeof ScriptEntrySchema>;

export const ScriptSchema = z.object({
  /** Queues keyed by agent id, then role, then `*`. */
  agents: z.record(z.string(), z.array(ScriptEntrySchema)),
  /** Where calls are logged; defaults to `<script>.calls.jsonl`. */
  callsLog: z.optional(z.string()),
});
export type Script = z.input<typeof ScriptSchema>;

export interface ScriptedCall {
  t: number;
  agent: string;
  role: string;
  purpose: string;
  key: string;
  index: number;
  pid: number;
}

export class ScriptedModel implements Model {
  readonly provider = 'scripted';
  readonly defaultModel = 'scripted';
  private readonly script: z.infer<typeof ScriptSchema>;
  private readonly callsLog: string;
  /** One empty file per claimed queue position (`<key>.<index>`), made with O_EXCL. */
  private readonly claimsDir: string;
  private offline: OfflineModel | undefined;

  constructor(readonly scriptFile: string) {
    const raw = JSON.parse(fs.readFileSync(scriptFile, 'utf8')) as unknown;
    this.script = ScriptSchema.parse(raw, PARSED_ONCE);
    this.callsLog = this.script.callsLog ?? `${scriptFile}.calls.jsonl`;
    if (!fs.existsSync(this.callsLog)) fs.writeFileSync(this.callsLog, '', { flag: 'a' });
    this.claimsDir = `${this.callsLog}.claims`;
    fs.mkdirSync(this.claimsDir, { recursive: true });
  }

  async createMessage(request: ModelRequest, options?: ModelCallOptions): Promise<ModelResponse> {
    const agent = request.metadata?.agentId ?? 'unknown';
    const role = request.metadata?.role ?? 'unknown';
    const key = [agent, role, '*'].find((k) => this.script.agents[k]);
    if (!key) throw new ModelError('E_SCRIPT', `scripted model: no queue for agent "${agent}" (role "${role}")`);
    const queue = this.script.agents[key]!;
    const index = this.claimIndex({ agent, role, purpose: request.metadata?.purpose ?? '', key });
    let entry = queue[index];
    if (!entry) {
      const last = queue.at(-1);
      if (last?.repeat) entry = last;
      else throw new ModelError('E_SCRIPT', `scripted model: queue "${key}" ran out after ${queue.length} responses`);
    }
    if (entry.delayMs) await sleep(entry.delayMs, options?.signal);
    if (entry.offline) {
      // Loaded for a script that asks for it: most scripts never do.
      this.offline ??= new (await import('./offline/index.js')).OfflineModel();
      return this.offline.createMessage(request);
    }
    if (entry.hang) await sleep(2 ** 31 - 1, options?.signal);
    if (entry.error) {
      const message = entry.error.message ?? `scripted error ${entry.error.status}`;
      if (entry.error.status === 429) throw new ModelRateLimitError(message, { status: 429 });
      if (entry.error.status === 529) throw new ModelOverloadedError(message, { status: 529 });
      throw new ModelError('E_MODEL_API', message, { status: entry.error.status });
    }
    const response = entry.response ?? { content: [{ type: 'text', text: '' }], stop_reason: 'end_turn' };
    return {
      id: `msg_scripted_${index}`,
      model: request.model ?? this.defaultModel,
      content: response.content as unknown as ContentBlock[],
      stop_reason: response.stop_reason as StopReason,
      usage: {
        input_tokens: response.usage?.input_tokens ?? 10,
        output_tokens: response.usage?.output_tokens ?? 10,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0,
      },
    };
  }

  /**
   * Claims this queue's next position, and logs the call. A role or `*` queue is shared by
   * every agent that falls back to it, in several processes at once, so a position is
   * claimed by creating its own file exclusively (O_EXCL): exactly one caller gets each,
   * without a lock. The log's count of the queue's calls is where the search starts; a
   * position claimed but not yet logged (or whose caller died before logging it) is taken,
   * and the next one is tried. A proper-lockfile lock around read-and-append did the same,
   * but the bench's zero-latency sessions, whose workers all call at once, spent their
   * time in its retry back-off (5 to 50 ms), counted as mailroom's overhead.
   */
  private claimIndex(call: Omit<ScriptedCall, 't' | 'index' | 'pid'>): number {
    const tag = encodeURIComponent(call.key);
    let index = readCalls(this.callsLog).filter((c) => c.key === call.key).length;
    for (;;) {
      try {
        fs.closeSync(fs.openSync(path.join(this.claimsDir, `${tag}.${index}`), 'wx'));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        index++;
      }
    }
    const entry: ScriptedCall = { t: Date.now(), index, pid: process.pid, ...call };
    // One short O_APPEND write: lines from concurrent processes never interleave.
    fs.appendFileSync(this.callsLog, JSON.stringify(entry) + '\n');
    return index;
  }
}

/** Every call logged so far, for assertions. */
export function readCalls(callsLog: string): ScriptedCall[] {
  if (!fs.existsSync(callsLog)) return [];
  return fs
    .readFileSync(callsLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ScriptedCall);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ModelError('E_MODEL_ABORTED', 'the model call was aborted'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ModelError('E_MODEL_ABORTED', 'the model call was aborted'));
    };
    // The signal outlives this call (it is the worker's, for the whole attempt).
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
