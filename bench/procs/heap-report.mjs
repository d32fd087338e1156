// Preloaded (--import) into the one worker the spawn bench takes a memory breakdown of, never
// into the timed ones: on SIGUSR2 it writes this process's V8 heap figures as JSON to the file
// named by MAILROOM_BENCH_HEAP_REPORT, then the worker carries on idling.
import fs from 'node:fs';
import v8 from 'node:v8';

const out = process.env.MAILROOM_BENCH_HEAP_REPORT;
if (out) {
  process.on('SIGUSR2', () => {
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { usedKb: Math.round(s.space_used_size / 1024), physicalKb: Math.round(s.physical_space_size / 1024) }]));
    const code = v8.getHeapCodeStatistics();
    fs.writeFileSync(out, JSON.stringify({ memoryUsage: process.memoryUsage(), spaces, code }));
  });
}
