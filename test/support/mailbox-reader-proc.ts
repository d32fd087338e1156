/**
 * Test child process: one MailboxReader on an agent's mailbox. Its handler appends each
 * envelope id to --record (synchronously, so it is on disk before anything else happens).
 * With --hang the handler then never returns, so the test can SIGKILL the process between
 * handling and ack. Writes --ready once the reader has started; on a start error prints
 * `{"error": code}` and exits 3.
 *
 *   node --import tsx mailbox-reader-proc.ts --session-dir D --session-id S --agent A --record FILE [--hang] [--ready FILE]
 */
import fs from 'node:fs';
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
  },
});

const reader = new MailboxReader({
  sessionDir: values['session-dir']!,
  sessionId: values['session-id']!,
  agentId: values.agent!,
  rescanIntervalMs: 100,
  handler: async (env) => {
    fs.appendFileSync(values.record!, env.id + '\n');
    if (values.hang) await new Promise<never>(() => undefined);
  },
});

reader
  .start()
  .then(() => {
    if (values.ready) fs.writeFileSync(values.ready, String(process.pid));
  })
  .catch((err: unknown) => {
    process.stdout.write(JSON.stringify({ error: (err as { code?: string }).code ?? String(err) }) + '\n');
    process.exit(3);
  });

process.on('SIGTERM', () => {
  void reader.stop().then(() => process.exit(0));
});
