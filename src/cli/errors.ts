/** How the CLI turns an error into a message on stderr and an exit code. */
import { AgentDefinitionError, MailroomError, RequestNotFoundError, SessionNotFoundError, UsageError } from '../errors.js';

export interface ErrorIo {
  err: (s: string) => void;
}

/**
 * Writes the error and returns the exit code: 2 for a bad reference, usage or agent
 * definition (with a hint), 1 for any other mailroom error. Anything else is a bug and is rethrown.
 */
export function exitCodeForError(err: unknown, io: ErrorIo): number {
  if (err instanceof SessionNotFoundError) {
    io.err(`mailroom: ${err.message}\n(list them with: mailroom sessions [--runtime-dir <dir>]; run with --help for usage)\n`);
    return 2;
  }
  if (err instanceof RequestNotFoundError) {
    io.err(`mailroom: ${err.message}\n`);
    return 2;
  }
  if (err instanceof AgentDefinitionError) {
    io.err(`mailroom: bad agent definition or MCP config: ${err.message}\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    io.err(`mailroom: ${err.message}\n(run with --help for usage)\n`);
    return 2;
  }
  if (err instanceof MailroomError) {
    io.err(`mailroom: ${err.message}\n`);
    return 1;
  }
  throw err;
}
