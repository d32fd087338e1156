/**
 * One error tree for the whole runtime. Every error mailroom throws on purpose is a
 * `MailroomError` with a stable `code` (for programs and tests) and an optional `cause`
 * (the lower-level error it wraps), so callers never have to match on message text.
 */
export class MailroomError extends Error {
  /** A stable, machine-readable identifier such as `E_MODEL_AUTH`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** A bad CLI argument or option. The CLI exits 2 on it and prints a usage hint. */
export class UsageError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_USAGE', message, options);
  }
}

/** Invalid configuration: an option value, an env var, a price table. */
export class ConfigError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONFIG', message, options);
  }
}

/** Mailbox protocol errors: unknown recipients, rejected envelopes, lock conflicts. */
export class MailboxError extends MailroomError {}

/** Sending to an agent that has no mailbox. Sending never creates one. */
export class UnknownRecipientError extends MailboxError {
  constructor(readonly recipient: string, mailboxRoot: string) {
    super('E_UNKNOWN_RECIPIENT', `unknown recipient "${recipient}": no mailbox at ${mailboxRoot}`);
  }
}

/** A second reader tried to open a mailbox that already has one. */
export class MailboxLockedError extends MailboxError {
  constructor(dir: string, options?: { cause?: unknown }) {
    super('E_MAILBOX_LOCKED', `mailbox ${dir} already has a reader`, options);
  }
}

/**
 * Thrown by a mailbox handler to say the message itself is bad (it can never be handled):
 * the reader moves it to dead/ at once instead of retrying it.
 */
export class BadMessageError extends MailboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_BAD_MESSAGE', message, options);
  }
}

/** A message file vanished from tmp/ before its rename into new/ (removed by a cleanup while the send stalled). */
export class TmpFileVanishedError extends MailboxError {
  constructor(readonly tmpFile: string, options?: { cause?: unknown }) {
    super('E_TMP_VANISHED', `message file ${tmpFile} vanished from tmp/ before it was delivered; the message was not sent`, options);
  }
}

/** A mailbox reader lost its reader lock to another reader (or the lock was removed); it has stopped reading. */
export class MailboxLockLostError extends MailboxError {
  constructor(dir: string, why: string) {
    super('E_MAILBOX_LOCK_LOST', `mailbox ${dir}: the reader lock was lost (${why}); this reader stopped`);
  }
}

/** The plan the coordinator's model produced is invalid (schema, unknown deps, cycles). */
export class PlanError extends MailroomError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_PLAN', message, options);
  }
}

/**
 * A bad agent definition or MCP config: refused before anything starts. It names the file,
 * the field and the reason, so a user can fix it at once; the CLI exits 2 on it.
 */
export class AgentDefinitionError extends MailroomError {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('E_AGENT_DEFINITION', `${file}: ${field}: ${reason}`, options);
  }
}

/** An MCP server that could not start or answer; names the server and what it printed. */
export class McpServerError extends MailroomError {
  constructor(readonly server: string, message: string, options?: { cause?: unknown }) {
    super('E_MCP_SERVER', `MCP server "${server}": ${message}`, options);
  }
}

/** Errors from a model provider, mapped from the SDK so the cause is always named. */
export class ModelError extends MailroomError {
  constructor(code: string, message: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, options);
    this.status = options?.status;
  }
  /** HTTP status when the error came from an HTTP response. */
  readonly status: number | undefined;
}

/** A missing or rejected API key. Never retried. */
export class ModelAuthError extends ModelError {
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('E_MODEL_AUTH', message, options);
  }
}

/** 429 after the SDK's own retries were used up. */
export class ModelRateLimitError extends ModelError {
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('E_MODEL_RATE_LIMIT', message, options);
  }
}

/** 529 (overloaded) after the SDK's own retries were used up. */
export class ModelOverloadedError extends ModelError {
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super('E_MODEL_OVERLOADED', message, options);
  }
}

/** The model stopped in a way the agent cannot continue from (refusal, context window, max_tokens). */
export class ModelStopError extends ModelError {
  constructor(readonly stopReason: string, message: string) {
    super('E_MODEL_STOP', message);
  }
}

/** A tool refused its input or failed. Returned to the model as an `is_error` tool result. */
export class ToolError extends MailroomError {
  /**
   * True when the message quotes outside text (a server's headers, a file's content): the
   * result then reaches the model wrapped as untrusted data, like outside content.
   */
  readonly untrusted: boolean;

  constructor(message: string, options?: { cause?: unknown; code?: string; untrusted?: boolean }) {
    super(options?.code ?? 'E_TOOL', message, options);
    this.untrusted = options?.untrusted ?? false;
  }
}

/** A worker broke one of its limits: turns, tokens, wall clock. */
export class LimitExceededError extends MailroomError {
  constructor(readonly limit: 'turns' | 'tokens' | 'wall_clock' | 'idle' | 'budget', message: string) {
    super('E_LIMIT', message);
  }
}

/** One subtask's failure, as recorded by the coordinator. */
export interface SubtaskFailure {
  subtask: string;
  agent?: string;
  reason: string;
}

/** Every worker failed; lists each failure so the user sees all of them at once. */
export class AllWorkersFailedError extends MailroomError {
  constructor(readonly failures: SubtaskFailure[]) {
    super(
      'E_ALL_WORKERS_FAILED',
      `AllWorkersFailed: every subtask failed:\n${failures.map((f) => `  - ${f.subtask}${f.agent ? ` (${f.agent})` : ''}: ${f.reason}`).join('\n')}`,
    );
  }
}

/** The plan's failure policy was not met (a required subtask failed, or no quorum). */
export class PolicyFailedError extends MailroomError {
  constructor(message: string, readonly failures: SubtaskFailure[]) {
    super('E_POLICY', message);
  }
}

/** Another live coordinator holds the session lock. */
export class SessionLockedError extends MailroomError {
  constructor(readonly sessionDir: string, readonly pid: number | undefined) {
    super(
      'E_SESSION_LOCKED',
      `session ${sessionDir} is held by a live coordinator${pid ? ` (pid ${pid})` : ''}; stop it or wait for it to finish`,
    );
  }
}

/** A write or message from an older coordinator epoch, after a lock takeover. */
export class StaleEpochError extends MailroomError {
  constructor(message: string) {
    super('E_STALE_EPOCH', message);
  }
}

/** The session's token or dollar budget ran out. */
export class BudgetExhaustedError extends MailroomError {
  constructor(message: string) {
    super('E_BUDGET', `budget exhausted: ${message}`);
  }
}

/** Something that names a session that does not exist. */
export class SessionNotFoundError extends MailroomError {
  constructor(ref: string, root: string) {
    super('E_SESSION_NOT_FOUND', `no session "${ref}" under ${root}`);
  }
}

/** A reply names a request to people that the session does not have. */
export class RequestNotFoundError extends MailroomError {
  constructor(requestId: string, sessionDir: string) {
    super('E_REQUEST_NOT_FOUND', `no request "${requestId}" in ${sessionDir}/agents/human (list them with: mailroom pending)`);
  }
}

/** A request to people already has its reply: the second one is refused. */
export class RequestAnsweredError extends MailroomError {
  constructor(
    requestId: string,
    readonly earlier: { kind: string; at: string },
  ) {
    super('E_REQUEST_ANSWERED', `request ${requestId} was already answered (${earlier.kind} at ${earlier.at}); this reply was not sent`);
  }
}

/** Returns a readable one-line description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** An envelope the sender refused to write: it fails its schema or is over the size limit. */
export class InvalidEnvelopeError extends MailboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_BAD_ENVELOPE', message, options);
  }
}

/** `no space left on device`, `permission denied`... in plain words, for a one-line message. */
export function describeWriteError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EIO':
      return 'input/output error';
    default:
      return err.message;
  }
}

/** A log file that cannot be written: a full disk (ENOSPC), a read-only folder, a vanished mount. */
export class LogWriteError extends MailroomError {
  constructor(
    readonly file: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(cause.code === 'ENOSPC' ? 'E_NO_SPACE' : 'E_LOG_WRITE', `${describeWriteError(cause)} (writing ${file})`, { cause });
  }
}

/**
 * When `err` (or an error it wraps) is a full disk or quota, the one-line reason to stop
 * on: a session that cannot write is interrupted, to be resumed once there is room, not
 * failed. Otherwise undefined.
 */
export function diskFullReason(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof LogWriteError && (e.code === 'E_NO_SPACE')) return e.message;
    const errno = e as NodeJS.ErrnoException;
    if (errno.code === 'ENOSPC' || errno.code === 'EDQUOT') return `${describeWriteError(errno)}${errno.path ? ` (writing ${errno.path})` : ''}`;
  }
  return undefined;
}

/**
 * The failure codes a subtask attempt can end with (what a worker reports, or what the
 * coordinator decides). Typed so that the retry allow-list (engine/failures.ts) names
 * only real codes; a worker may still report a code outside it, which is then final.
 */
export type ErrorCode =
  | 'E_CRASHED'
  | 'E_NO_HEARTBEAT'
  | 'E_LIMIT'
  | 'E_SHUTDOWN'
  | 'E_TERMINATED'
  | 'E_DEPENDENCY'
  | 'E_WORKER'
  | 'E_TOOL'
  | 'E_PLAN'
  | 'E_CONFIG'
  | 'E_SCRIPT'
  | 'E_MODEL'
  | 'E_MODEL_API'
  | 'E_MODEL_AUTH'
  | 'E_MODEL_STOP'
  | 'E_MODEL_ABORTED'
  | 'E_MODEL_BAD_REQUEST'
  | 'E_MODEL_NOT_FOUND'
  | 'E_MODEL_RATE_LIMIT'
  | 'E_MODEL_OVERLOADED'
  | 'E_MODEL_CONNECTION'
  | 'E_MODEL_TIMEOUT'
  | 'E_MODEL_STREAM_INCOMPLETE';

/** The journal could not be written: the session stops, since nothing can be recorded. */
export class JournalWriteError extends MailroomError {
  constructor(file: string, options?: { cause?: unknown }) {
    super('E_JOURNAL_WRITE', `could not write the journal ${file}: ${describeError(options?.cause)}; the session stops (nothing more could be recorded)`, options);
  }
}
