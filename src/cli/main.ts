#!/usr/bin/env node
/**
 * The `mailroom` command. A thin layer over the library API: it parses arguments, shows
 * progress on stderr, prints the answer on stdout, and maps the outcome to an exit code
 * (0 completed, 1 failed, 2 usage error, 3 needs a human, 130 interrupted).
 */
import { runCli } from './program.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mailroom: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
