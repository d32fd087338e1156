/**
 * Test child process: one MailboxReader on an agent's mailbox. Its handler appends each
 * envelope id to --record (synchronously, so it is on disk before anything else happens);
 * with --record-text the line is `${id}\t${text}` for `message` envelopes. With --hang the
 * handler then never returns, so the test can SIGKILL the process between handling and ack.
 * Writes --ready once the reader has started; on a start error prints `{"error": code}` and
 * exits 3. A lost reader lock prints `{"lockLost": message}` and exits 4.
 *
 *   node --import tsx mailbox-reader-proc.ts --session-dir D --session-id S --agent A --record FILE
 *        [--hang] [--ready FILE] [--record-text] [--max-bytes N] [--take-over] [--exit-without-stop FILE]
 *
 * --exit-without-stop FILE: once FILE exists, the process exits at once without stopping
 * the reader (what a crash-free but abrupt `process.exit` does).
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { MailboxReader } from '../../src/mailbox/reader.js';

const { values } = parseArgs({
  options: {
    'session-dir': { type: 'string' },
    'session-id': { type: 'string' },
    agent: { type: 'string' },
    record: { type: 'string' },
    ready: { type: 'string' },
    hang: { type: 'boolean', default: false },
    'record-text': { type: 'boolean', default: false },
    'max-bytes': { type: 'string' },
    'take-over': { type: 'boolean', default: false },
    'exit-without-stop': { type: 'string' },
  },
});

const reader = new MailboxReader({
  sessionDir: values['session-dir']!,
  sessionId: values['session-id']!,
  agentId: values.agent!,
  rescanIntervalMs: 100,
  ...(values['max-bytes'] ? { maxMessageBytes: Number(values['max-bytes']) } : {}),
  ...(values['take-over'] ? { takeOverLock: true } : {}),
  onLockLost: (err) => {
    process.stdout.write(JSON.stringify({ lockLost: err.message }) + '\n');
    process.exit(4);
  },
  handler: async (env) => {
    const text = values['record-text'] && env.type === 'message' ? `\t${env.body.text}` : '';
    fs.appendFileSync(values.record!, env.id + text + '\n');
    if (values.hang) await new Promise<never>(() => undefined);
  },
});

reader
  .start()
  .then(async () => {
    if (values.ready) fs.writeFileSync(values.ready, String(process.pid));
    const exitFile = values['exit-without-stop'];
    if (exitFile) {
      while (!fs.existsSync(exitFile)) await sleep(10);
      process.exit(0);
    }
  })
  .catch((err: unknown) => {
    process.stdout.write(JSON.stringify({ error: (err as { code?: string }).code ?? String(err) }) + '\n');
    process.exit(3);
  });

process.on('SIGTERM', () => {
  void reader.stop().then(() => process.exit(0));
});
