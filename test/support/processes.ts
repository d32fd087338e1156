/**
 * Finds processes by an environment tag, by reading /proc/<pid>/environ. Tests use this
 * to prove that no process they started outlives them.
 */
import fs from 'node:fs';

export interface TaggedProcess {
  pid: number;
  cmd: string;
}

/** Every live process whose environment has MAILROOM_TEST_RUN=<tag> (or contains `needle`). */
export function listTaggedProcesses(tag: string, needle = `MAILROOM_TEST_RUN=${tag}`): TaggedProcess[] {
  const out: TaggedProcess[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (!env.split('\0').includes(needle)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // A zombie has exited; only its parent's bookkeeping remains.
      if (/\) Z /.test(stat)) continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid, cmd });
    } catch {
      // The process ended while we looked, or is not ours to read.
    }
  }
  return out;
}

export function killTaggedProcesses(tag: string): void {
  for (const p of listTaggedProcesses(tag)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
