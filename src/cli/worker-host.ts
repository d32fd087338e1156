/** `mailroom worker-host`: runs a WorkerHost until SIGINT or SIGTERM. */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';
import { createFileLogger } from '../log.js';
import { resolveRuntimeDir } from '../session/layout.js';
import { WorkerHost } from '../worker-host/host.js';
import { exitCodeForError } from './errors.js';
import { redisUrlFrom } from './transport-options.js';

interface HostFlags {
  redis?: string;
  slots: number;
  name?: string;
  runtimeDir?: string;
  verbose?: boolean;
}

type Io = { out: (s: string) => void; err: (s: string) => void };

function slots(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--slots must be a whole number of at least 1');
  return n;
}

export function registerWorkerHost(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('worker-host')
    .description('run workers for coordinators on other machines, taking assignments from Redis (runs whatever the coordinator assigns: keep Redis private)')
    .option('--redis <url>', 'redis://[:password@]host:port or rediss://… (env MAILROOM_REDIS_URL)')
    .option('--slots <n>', 'workers this host runs at once', slots, Math.max(1, os.availableParallelism()))
    .option('--name <name>', 'this host\'s name, shown by `mailroom show` (default: the hostname)')
    .option('--runtime-dir <dir>', 'where the files of the workers it runs live')
    .option('-v, --verbose', 'debug-level logs')
    .action(async (flags: HostFlags) => {
      setExit(await hostCommand(flags, io));
    });
}

async function hostCommand(flags: HostFlags, io: Io): Promise<number> {
  let host: WorkerHost;
  try {
    const url = redisUrlFrom(flags.redis);
    if (!url) throw new UsageError('worker-host needs --redis <url> (or MAILROOM_REDIS_URL)');
    const name = flags.name ?? os.hostname();
    const runtimeDir = resolveRuntimeDir(flags.runtimeDir);
    const logger = createFileLogger(path.join(runtimeDir, 'hosts', name, 'host.ndjson'), { host: name }, flags.verbose ? 'debug' : undefined);
    host = new WorkerHost({ redisUrl: url, name, slots: flags.slots, runtimeDir, logger });
    await host.start();
    io.err(`worker host ${name}: ${flags.slots} slot(s), files under ${path.join(runtimeDir, 'hosts', name)}\n`);
  } catch (err) {
    return exitCodeForError(err, io);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  io.err(`worker host ${host.name}: stopping, ending its workers\n`);
  await host.stop();
  return 0;
}
