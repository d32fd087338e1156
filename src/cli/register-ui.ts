/** `mailroom ui`: starts the session viewer and prints its URL; Ctrl-C stops it. */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_UI_PORT, isLoopback } from '../ui/host.js';
import { exitCodeForError } from './errors.js';
import { redisOption } from './transport-options.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be a whole number from 0 to 65535, got "${value}"`);
  return n;
}

/** Adds `ui` to the program. */
export function registerUiCommand(program: Command, io: { out: (s: string) => void; err: (s: string) => void }, setExit: (code: number) => void): void {
  program
    .command('ui')
    .description('a local web page that shows sessions live (prints its URL with a token; opens nothing by itself)')
    .option('--port <n>', `port to listen on; 0 picks a free one (default ${DEFAULT_UI_PORT})`, port)
    .option('--host <address>', 'address to bind (default 127.0.0.1); anything else exposes the viewer to the network')
    .option('--runtime-dir <dir>', 'where sessions live (env MAILROOM_RUNTIME_DIR; default ./runtime)')
    .option('--redis [url]', 'the Redis of redis-transport sessions: their mailboxes, workers on hosts, replies and kills (url, or MAILROOM_REDIS_URL)')
    .action(async (flags: { port?: number; host?: string; runtimeDir?: string; redis?: string | boolean }) => {
      const runtimeDir = flags.runtimeDir ?? (program.opts() as { runtimeDir?: string }).runtimeDir;
      try {
        if (flags.host && !isLoopback(flags.host)) {
          io.err(`warning: --host ${flags.host} exposes the viewer beyond this machine; anyone with the URL (token included) can read sessions and stop workers\n`);
        }
        // Loaded here, not at start-up: every other command stays as quick to start as before.
        const { startViewer } = await import('../ui/server.js');
        const viewer = await startViewer({ runtimeDir, ...(flags.port !== undefined ? { port: flags.port } : {}), ...(flags.host ? { host: flags.host } : {}), ...redisOption(flags.redis) });
        io.err(`mailroom viewer on ${viewer.runtimeDir} (Ctrl-C to stop)\n`);
        io.out(`${viewer.url}\n`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await viewer.close();
        io.err('viewer stopped\n');
        setExit(0);
      } catch (err) {
        setExit(exitCodeForError(err, io));
      }
    });
}
