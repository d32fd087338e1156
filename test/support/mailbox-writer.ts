/**
 * Test child process: sends N `message` envelopes to one recipient, in order, as its own
 * sender. Text is `${writerId}:${i}`, or with --min-size/--max-size a padded text of a
 * length that is a function of (writer, i) and is written into the text itself:
 * `${writerId}:${i}:${len}:xxxx…` (exactly len characters), so a reader can check it.
 *
 *   node --import tsx mailbox-writer.ts --session-dir D --session-id S --from w1 --to coordinator
 *        --count 100 [--delay-ms 0] [--min-size 0 --max-size 0] [--ready FILE --go FILE]
 *        [--first 0] [--clock-offset-ms 0] [--stop-before-rename]
 *
 * With --ready/--go it writes FILE (ready) and waits for the go file, so several writers
 * can be released at the same moment. --first numbers the texts from that i (a restarted
 * writer), --clock-offset-ms shifts its wall clock (a clock step), and --stop-before-rename
 * SIGSTOPs the process itself after each message is written to tmp/ and before its rename,
 * so a test can act on a stalled send and then SIGCONT it. On an error it prints
 * `{"error": code}` on stdout and exits 1.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { MailboxSender } from '../../src/mailbox/send.js';

const { values } = parseArgs({
  options: {
    'session-dir': { type: 'string' },
    'session-id': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    count: { type: 'string', default: '1' },
    first: { type: 'string', default: '0' },
    'delay-ms': { type: 'string', default: '0' },
    'min-size': { type: 'string', default: '0' },
    'max-size': { type: 'string', default: '0' },
    'clock-offset-ms': { type: 'string', default: '0' },
    'stop-before-rename': { type: 'boolean', default: false },
    ready: { type: 'string' },
    go: { type: 'string' },
  },
});

/** Deterministic text length for message i of a writer, in [min, max]. */
function paddedLength(writer: string, i: number, min: number, max: number): number {
  let h = 0;
  for (const c of writer) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return min + ((i * 7919 + h) % (max - min + 1));
}

function textFor(writer: string, i: number, min: number, max: number): string {
  if (max <= 0) return `${writer}:${i}`;
  const len = paddedLength(writer, i, min, max);
  const prefix = `${writer}:${i}:${len}:`;
  return prefix + 'x'.repeat(Math.max(0, len - prefix.length));
}

async function main(): Promise<void> {
  const from = values.from!;
  const offset = Number(values['clock-offset-ms']);
  const sender = new MailboxSender({
    sessionDir: values['session-dir']!,
    sessionId: values['session-id']!,
    from,
    seams: {
      ...(offset !== 0 ? { now: () => Date.now() + offset } : {}),
      ...(values['stop-before-rename'] ? { beforeRename: () => void process.kill(process.pid, 'SIGSTOP') } : {}),
    },
  });
  const count = Number(values.count);
  const first = Number(values.first);
  const delay = Number(values['delay-ms']);
  const min = Number(values['min-size']);
  const max = Number(values['max-size']);
  if (values.ready) fs.writeFileSync(values.ready, String(process.pid));
  if (values.go) while (!fs.existsSync(values.go)) await sleep(5);
  for (let i = first; i < first + count; i++) {
    await sender.send(values.to!, 'message', { text: textFor(from, i, min, max) });
    if (delay > 0) await sleep(delay);
  }
  process.stdout.write(JSON.stringify({ sent: count }) + '\n');
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: (err as { code?: string }).code ?? String(err) }) + '\n');
  process.stderr.write(`mailbox-writer: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
