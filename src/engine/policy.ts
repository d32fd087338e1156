/**
 * The partial-failure policy (DESIGN.md principle 6): decides, once every subtask has
 * settled, whether the session can synthesize an answer.
 */
import { AllWorkersFailedError, PolicyFailedError, type SubtaskFailure } from '../errors.js';
import type { FailurePolicy, Subtask } from '../contracts/plan.js';

export interface SettledSubtask {
  subtask: Subtask;
  agent?: string;
  ok: boolean;
  reason?: string;
}

/** Throws AllWorkersFailed or PolicyFailed when the policy is not met; returns otherwise. */
export function checkPolicy(policy: FailurePolicy, settled: SettledSubtask[]): void {
  const failures: SubtaskFailure[] = settled
    .filter((s) => !s.ok)
    .map((s) => ({ subtask: s.subtask.id, agent: s.agent, reason: s.reason ?? 'failed' }));
  const succeeded = settled.length - failures.length;
  if (succeeded === 0) throw new AllWorkersFailedError(failures);
  const requiredFailed = settled.filter((s) => !s.ok && s.subtask.required);
  if (requiredFailed.length > 0) {
    throw new PolicyFailedError(
      `required subtask(s) failed: ${requiredFailed.map((s) => `${s.subtask.id} (${s.reason ?? 'failed'})`).join('; ')}`,
      failures,
    );
  }
  if (policy === 'all' && failures.length > 0) {
    throw new PolicyFailedError(`policy "all": ${failures.length} subtask(s) failed: ${failures.map((f) => `${f.subtask} (${f.reason})`).join('; ')}`, failures);
  }
  if (typeof policy === 'object' && succeeded < policy.quorum) {
    throw new PolicyFailedError(`policy quorum ${policy.quorum}: only ${succeeded} subtask(s) succeeded`, failures);
  }
}
