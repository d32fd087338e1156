/**
 * The worker process itself: `<worker> --session <dir> --agent <id> [--spare]` (a warm
 * spare first waits to be handed a subtask: spare.ts). The coordinator starts it detached
 * in its own process group, with stdout and stderr going to files in the agent's folder.
 * Two entries call this: main.ts (an ES module, the compiled build and tsx) and
 * snapshot-entry.ts (restored from the worker's V8 startup snapshot), each with its argv.
 */
import { parseArgs } from 'node:util';
import { createFileLogger } from '../log.js';
import { agentPaths } from '../session/layout.js';
import { secretHex, newId } from '../util/ids.js';
import { runWorker } from './run.js';
import { runSpare } from './spare.js';
import { workerFault } from '../faults.js';

/** Parses the worker's arguments and runs it; the process exits when the worker is done. */
export function startWorkerProcess(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: { session: { type: 'string' }, agent: { type: 'string' }, spare: { type: 'boolean' }, 'self-check': { type: 'boolean' } },
    strict: true,
  });
  if (values['self-check']) {
    // The build's check of a fresh snapshot: the code runs, and what must differ per process does.
    process.stdout.write(JSON.stringify({ ok: true, pid: process.pid, id: newId(), secret: secretHex(8) }) + '\n');
    return;
  }
  if (!values.session || !values.agent) {
    process.stderr.write('usage: worker --session <dir> --agent <id> [--spare]\n');
    process.exit(2);
  }
  const sessionDir = values.session;
  let agentId = values.agent;
  let logger = createFileLogger(agentPaths(sessionDir, agentId).log, { agent: agentId });

  process.on('SIGTERM', () => {
    if (workerFault('ignore-sigterm')) {
      logger.warn('SIGTERM received and ignored (fault injection)');
      return;
    }
    // The termination ladder's second step: leave now, the coordinator already gave up on us.
    logger.warn('SIGTERM received; exiting');
    process.exit(143);
  });

  /** A spare waits first, then runs as the agent it was handed (worker/spare.ts); any other worker runs at once. */
  async function main(): Promise<number> {
    if (values.spare) {
      const spareLog = logger;
      const handed = await runSpare({ sessionDir, spareId: agentId, logger: spareLog });
      if (!handed) return 0;
      spareLog.info({ agent: handed.agent }, 'spare runs as its agent from here on');
      agentId = handed.agent;
      logger = createFileLogger(agentPaths(sessionDir, agentId).log, { agent: agentId, spare: values.agent });
      return runWorker({ sessionDir, agentId, logger });
    }
    return runWorker({ sessionDir, agentId, logger });
  }

  main().then(
    (code) => {
      logger.info({ code }, 'worker exiting');
      process.exit(code);
    },
    (err: unknown) => {
      logger.fatal({ err }, 'worker crashed');
      process.stderr.write(`worker ${agentId} crashed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
