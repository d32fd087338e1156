/** The run options for people in the loop, and how they map onto the session options. */
import { InvalidArgumentError, type Command } from 'commander';

export interface PeopleFlags {
  requireApproval?: string[];
  approveAll?: boolean;
  approvalTimeout?: number;
  /** `--no-human` sets this to false. */
  human?: boolean;
  detachOnWait?: boolean;
}

function ms(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`--approval-timeout must be a positive whole number of milliseconds, got "${value}"`);
  return n;
}

function tools(value: string): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError('--require-approval needs tool names, globs such as mcp__*, or all');
  return list;
}

export function addPeopleOptions(program: Command): void {
  program
    .option('--require-approval <tools>', 'tools that wait for a person\'s approval, for every agent: write_file,edit_file or mcp__* or all', tools)
    .option('--approve-all', 'no tool waits for approval (trusted runs; overrides agent definitions)')
    .option('--approval-timeout <ms>', 'a tool call waits at most this long for a person; then it counts as a denial (default: no limit)', ms)
    .option('--no-human', 'never ask a person: reflect below its threshold ends needs_human (exit 3)')
    .option('--detach-on-wait', 'exit 4 (status waiting) when only waiting for people is left; --resume picks it up');
}

/** The session options these flags set. */
export function peopleOptionsFrom(flags: PeopleFlags): { requireApproval?: string[]; approveAll?: boolean; approvalTimeoutMs?: number; noHuman?: boolean; detachOnWait?: boolean } {
  return {
    ...(flags.requireApproval ? { requireApproval: flags.requireApproval } : {}),
    ...(flags.approveAll ? { approveAll: true } : {}),
    ...(flags.approvalTimeout ? { approvalTimeoutMs: flags.approvalTimeout } : {}),
    ...(flags.human === false ? { noHuman: true } : {}),
    ...(flags.detachOnWait ? { detachOnWait: true } : {}),
  };
}
