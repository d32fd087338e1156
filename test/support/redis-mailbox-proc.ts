/**
 * Test child process for the redis transport, in one of two roles:
 *
 *   write: sends --count `message` envelopes with text `<from>:<i>` to --to, in order.
 *   read:  one reader (taking the lock over: the test kills its predecessor first) whose
 *          handler appends each text to --record, synchronously, unless the id is already
 *          recorded: the handler is idempotent by message id, as the mailbox contract
 *          asks. Redeliveries are counted in --record + '.redelivered'. Writes --ready
 *          once started.
 *
 *   node --import tsx redis-mailbox-proc.ts --role write|read --url U --session S ...
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { RedisTransport } from '../../src/mailbox/redis/transport.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    url: { type: 'string' },
    session: { type: 'string' },
    from: { type: 'string', default: 'w01-research' },
    to: { type: 'string', default: 'coordinator' },
    count: { type: 'string', default: '1' },
    record: { type: 'string' },
    ready: { type: 'string' },
  },
});

const t = RedisTransport.connect(values.url!, values.session!);

async function write(): Promise<void> {
  const sender = t.sender({ from: values.from! });
  const n = Number(values.count);
  for (let i = 0; i < n; i++) await sender.send(values.to!, 'message', { text: `${values.from}:${i}` });
  await t.close();
  process.stdout.write(JSON.stringify({ sent: n }) + '\n');
}

async function read(): Promise<void> {
  const record = values.record!;
  const seen = new Set<string>();
  if (fs.existsSync(record)) for (const line of fs.readFileSync(record, 'utf8').split('\n')) if (line) seen.add(line.split(' ')[0]!);
  const reader = t.reader({
    agentId: values.to!,
    takeOverLock: true,
    rescanIntervalMs: 500,
    handler: async (env) => {
      if (seen.has(env.id)) {
        fs.appendFileSync(record + '.redelivered', env.id + '\n');
        return;
      }
      fs.appendFileSync(record, `${env.id} ${(env.body as { text: string }).text}\n`);
      seen.add(env.id);
    },
  });
  await reader.start();
  if (values.ready) fs.writeFileSync(values.ready, String(process.pid));
  process.on('SIGTERM', () => void reader.stop().then(() => t.close()).then(() => process.exit(0)));
}

(values.role === 'write' ? write() : read()).catch((err: unknown) => {
  process.stderr.write(`redis-mailbox-proc: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
