import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn real worker processes and mostly wait on them (heartbeats,
    // model delays, signals); on a 2-core machine, three files at a time keeps both cores
    // busy without starving each other's heartbeats (measured: 2 at a time ~320 s, 3 ~255 s).
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    globalSetup: ['test/support/global-setup.ts'],
    // In CI, also a JSON report, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
