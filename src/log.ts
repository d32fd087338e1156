/**
 * pino loggers for every process. Each agent logs NDJSON to its own
 * `agents/<id>/log.ndjson`; the level comes from `--verbose` or `LOG_LEVEL`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { LogWriteError } from './errors.js';

export type { Logger } from 'pino';

/** The level from LOG_LEVEL, or `info`. */
export function defaultLogLevel(): string {
  return process.env.LOG_LEVEL ?? 'info';
}

export interface FileLoggerOptions {
  /**
   * Called once, on the first write that fails. Without it the process says so on stderr,
   * once, and carries on without its log: a log must never crash the process it records.
   */
  onWriteError?: (err: LogWriteError) => void;
}

/**
 * A logger that appends synchronously to `file`. Synchronous so that the last lines
 * before a crash or a SIGKILL are on disk, which is when people read them. A failed write
 * (SonicBoom's `error` event, e.g. ENOSPC) is reported once, never thrown at the caller.
 */
export function createFileLogger(file: string, bindings: Record<string, unknown>, level = defaultLogLevel(), opts: FileLoggerOptions = {}): Logger {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // The folder was just made: SonicBoom's own `mkdir` would make it a second time.
  const dest = pino.destination({ dest: file, append: true, sync: true });
  let failed = false;
  dest.on('error', (err: NodeJS.ErrnoException) => {
    // SonicBoom keeps the unwritten lines and retries them on the next write, which also
    // fails while the disk is full: report the first failure only.
    if (failed) return;
    failed = true;
    const error = new LogWriteError(file, err);
    if (opts.onWriteError) opts.onWriteError(error);
    else process.stderr.write(`mailroom: ${error.message}; logging stopped\n`);
  });
  return pino({ level, base: { pid: process.pid, ...bindings } }, dest);
}

/** A logger that drops everything; for library callers and tests that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
