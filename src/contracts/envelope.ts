/**
 * The mailbox envelope and one body schema per message type (DESIGN.md, "Envelope").
 * Everything read from a mailbox is parsed here; a file that fails goes to dead/.
 */
import * as z from './mini.js';

/** Envelope format version. Bump on an incompatible change. */
export const ENVELOPE_VERSION = 1;

// Usage and limits are shared contracts (src/contracts/), defined once.
import { UsageSchema } from './usage.js';
import { LimitsSchema } from './limits.js';
export { UsageSchema, LimitsSchema };
export type { Limits } from './limits.js';

/** The output of a finished dependency, handed to the subtask that needs it. */
export const DependencyOutputSchema = z.object({
  subtask: z.string(),
  agent: z.string(),
  output: z.string(),
});
export type DependencyOutput = z.infer<typeof DependencyOutputSchema>;

export const AssignBodySchema = z.object({
  subtask: z.object({
    id: z.string(),
    role: z.string(),
    description: z.string(),
    context: z.optional(z.string()),
  }),
  /** Outputs of the subtasks this one depends on: the only context it gets from others. */
  inputs: z._default(z.array(DependencyOutputSchema), []),
  attempt: z.positiveInt(),
  limits: LimitsSchema,
  /** Model id for this worker; the provider default when absent. */
  model: z.optional(z.string()),
  /** Continue from an earlier attempt's transcript when its last turn was complete. */
  continueFromTranscript: z._default(z.boolean(), false),
  /**
   * Stay after the result and wait for a `message` to continue from (a new round: feedback
   * to act on, or a new draft to review), until `shutdown`. Used by the reflect pattern.
   */
  persistent: z._default(z.boolean(), false),
  /**
   * Sent to a warm spare only: the agent it becomes. That agent's own assign (this same
   * body) waits in the agent's mailbox, which the spare reads from then on.
   */
  agent: z.optional(z.string()),
});

export const MessageBodySchema = z.object({ text: z.string().check(z.minLength(1)) });
/** Operator to coordinator: stop one worker, or (without `agent`) the whole session. */
export const TerminateBodySchema = z.object({ agent: z.optional(z.string()), reason: z.string() });
/**
 * `attempt` names the worker attempt to stop: a shutdown sent to an attempt that never read
 * it (it was frozen, then killed) must not stop the next attempt, which shares the mailbox.
 */
export const ShutdownBodySchema = z.object({ reason: z.string(), attempt: z.optional(z.positiveInt()) });

export const StartedBodySchema = z.object({
  pid: z.positiveInt(),
  attempt: z.positiveInt(),
  subtask: z.string(),
});

export const ProgressBodySchema = z.object({
  subtask: z.string(),
  turn: z.nonNegativeInt(),
  usage: UsageSchema,
  note: z.optional(z.string()),
});

/**
 * A question. Worker to coordinator (from `ask_coordinator`): the answer is a `message` with
 * replyTo. The same type addressed `to: 'human'` is a question to a person (from `ask_human`,
 * or from the coordinator: reflect below its threshold, a question its model could not
 * answer); the person's reply is an `answer` with replyTo. `origin` says which route asked.
 */
export const QuestionBodySchema = z.object({
  subtask: z.string(),
  question: z.string().check(z.minLength(1)),
  /** Who asked the person and why; absent on a worker's question to its coordinator. */
  origin: z.optional(z.enum(['ask_human', 'reflect', 'consult', 'route'])),
  /** The agent the question is about (the asking worker, when the coordinator forwards it). */
  agent: z.optional(z.string()),
  /** Background shown to the person with the question (a draft's review, say). */
  context: z.optional(z.string().check(z.maxLength(20_000))),
  /** The worker's `ask_coordinator` question this one forwards (its answer goes back under that id). */
  forQuestion: z.optional(z.string()),
});

/** Worker to human: a tool call that waits for a person's `approval` or `denial` (replyTo = this id). */
export const ApprovalRequestBodySchema = z.object({
  subtask: z.string(),
  attempt: z.positiveInt(),
  agent: z.string(),
  tool: z.string(),
  /** The model's tool_use id: a respawn that continues the same call asks under the same request id. */
  toolUseId: z.string(),
  input: z.lazy(() => BoundedJsonSchema),
  /** One line for people: the tool and a short view of its input. */
  summary: z.string().check(z.maxLength(2_000)),
});

/** Human to the requester: go ahead (replyTo = the request's id). */
export const ApprovalBodySchema = z.object({ note: z.optional(z.string().check(z.maxLength(20_000))) });
/** Human to the requester: do not; the reason reaches the model as the tool's error. */
export const DenialBodySchema = z.object({ reason: z.string().check(z.minLength(1), z.maxLength(20_000)) });
/** Human to the requester: the answer to a `question` (replyTo = the question's id). */
export const AnswerBodySchema = z.object({ text: z.string().check(z.minLength(1), z.maxLength(100_000)) });

/** Deepest nesting of free-form JSON in an envelope (arrays and objects). */
export const MAX_JSON_DEPTH = 64;
/** Most values (every array, object, string, number...) in one free-form JSON value. */
export const MAX_JSON_NODES = 50_000;

/**
 * Why a free-form JSON value is out of bounds, or undefined when it is within them. Walks
 * with an explicit stack, so a 100k-deep value cannot overflow the call stack here (and is
 * refused before anything JSON.stringify-s it).
 */
export function jsonBoundsProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, maxNodes = MAX_JSON_NODES): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++nodes > maxNodes) return `more than ${maxNodes} JSON values`;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) stack.push([c, depth + 1]);
  }
  return undefined;
}

/** Free-form JSON with bounded depth and size (see jsonBoundsProblem). */
export const BoundedJsonSchema = z.unknown().check(
  z.superRefine((v, ctx) => {
    const problem = jsonBoundsProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: `free-form JSON out of bounds: ${problem}` });
  }),
);

export const ResultBodySchema = z.object({
  subtask: z.string(),
  attempt: z.positiveInt(),
  /** A persistent worker's round: 1 for its first result, then one more per `message`. */
  round: z._default(z.positiveInt(), 1),
  output: z.string(),
  turns: z.nonNegativeInt(),
  usage: UsageSchema,
  /** Structured output, e.g. the review a reviewer submitted with `submit_review`. */
  structured: z.optional(BoundedJsonSchema),
});

export const FailureBodySchema = z.object({
  subtask: z.string(),
  attempt: z.positiveInt(),
  error: z.object({ code: z.string(), message: z.string() }),
  turns: z.nonNegativeInt(),
  usage: UsageSchema,
});

/** Body schema per message type. */
export const BODY_SCHEMAS = {
  assign: AssignBodySchema,
  message: MessageBodySchema,
  shutdown: ShutdownBodySchema,
  terminate: TerminateBodySchema,
  question: QuestionBodySchema,
  approval_request: ApprovalRequestBodySchema,
  approval: ApprovalBodySchema,
  denial: DenialBodySchema,
  answer: AnswerBodySchema,
  started: StartedBodySchema,
  progress: ProgressBodySchema,
  result: ResultBodySchema,
  failure: FailureBodySchema,
} as const;

export type MessageType = keyof typeof BODY_SCHEMAS;
export const MESSAGE_TYPES = Object.keys(BODY_SCHEMAS) as MessageType[];
/** A body as a sender writes it: fields with defaults may be left out. */
export type BodyOf<T extends MessageType> = z.input<(typeof BODY_SCHEMAS)[T]>;

/** Agent ids: `coordinator`, or `w<nn>-<role>`; kept to a safe file-name alphabet. */
export const AgentIdSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'agent id must be [a-z0-9_-], at most 64 characters'));

const BaseEnvelopeSchema = z.object({
  v: z.literal(ENVELOPE_VERSION),
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  session: z.string().check(z.minLength(1)),
  from: AgentIdSchema,
  to: AgentIdSchema,
  seq: z.nonNegativeInt(),
  sentAt: z.positiveInt(),
  replyTo: z.optional(z.string()),
  /** The sender's coordinator epoch; messages from an older epoch are refused after a takeover. */
  epoch: z.optional(z.nonNegativeInt()),
});

/** One message type's envelope: the base fields, its `type`, and its body. */
const envelopeOf = <T extends string, B extends z.ZodMiniType>(type: T, body: B) => z.extend(BaseEnvelopeSchema, { type: z.literal(type), body });

/** The envelope as a discriminated union on `type`, so `body` is typed by it. */
export const EnvelopeSchema = z.discriminatedUnion('type', [
  envelopeOf('assign', AssignBodySchema),
  envelopeOf('message', MessageBodySchema),
  envelopeOf('shutdown', ShutdownBodySchema),
  envelopeOf('terminate', TerminateBodySchema),
  envelopeOf('question', QuestionBodySchema),
  envelopeOf('approval_request', ApprovalRequestBodySchema),
  envelopeOf('approval', ApprovalBodySchema),
  envelopeOf('denial', DenialBodySchema),
  envelopeOf('answer', AnswerBodySchema),
  envelopeOf('started', StartedBodySchema),
  envelopeOf('progress', ProgressBodySchema),
  envelopeOf('result', ResultBodySchema),
  envelopeOf('failure', FailureBodySchema),
]);

export type Envelope = z.infer<typeof EnvelopeSchema>;
export type EnvelopeOf<T extends MessageType> = Extract<Envelope, { type: T }>;
