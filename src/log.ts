/**
 * pino loggers for every process. Each agent logs NDJSON to its own
 * `agents/<id>/log.ndjson`; the level comes from `--verbose` or `LOG_LEVEL`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** The level from LOG_LEVEL, or `info`. */
export function defaultLogLevel(): string {
  return process.env.LOG_LEVEL ?? 'info';
}

/**
 * A logger that appends synchronously to `file`. Synchronous so that the last lines
 * before a crash or a SIGKILL are on disk, which is when people read them.
 */
export function createFileLogger(file: string, bindings: Record<string, unknown>, level = defaultLogLevel()): Logger {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const dest = pino.destination({ dest: file, append: true, sync: true, mkdir: true });
  return pino({ level, base: { pid: process.pid, ...bindings } }, dest);
}

/** A logger that drops everything; for library callers and tests that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
