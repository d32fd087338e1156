/**
 * The mailbox soak on the redis transport: 10 writer processes × 1,000 messages into one
 * mailbox while its reader process is SIGKILLed at random moments and restarted (taking
 * the lock over and XAUTOCLAIMing its predecessor's pending entries). Every message must
 * be handled exactly once, in each sender's order.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { nanoid } from 'nanoid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisTransport } from '../../src/mailbox/redis/transport.js';
import { Children, exited, stderrOf, waitFor } from '../mailbox/helpers.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis.js';

const PROC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'support', 'redis-mailbox-proc.ts');
const WRITERS = 10;
const PER_WRITER = 1000;

describe.skipIf(!hasRedisServer())('redis mailbox soak', { timeout: 240_000 }, () => {
  let server: TestRedis;
  let dir: string;
  const children = new Children();
  beforeAll(async () => {
    server = await startRedis();
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mailroom-soak-'));
  });
  afterEach(() => children.killAll());
  afterAll(async () => {
    await server?.stop();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it(`${WRITERS} writers × ${PER_WRITER}, reader killed at random: 0 lost, 0 handled twice, per-sender order kept`, async () => {
    const session = `20250101-000000-${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}`;
    const t = RedisTransport.connect(server.url, session);
    await t.createMailbox('coordinator');
    const record = path.join(dir, 'record.txt');
    const lines = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean) : []);

    const writers = [...Array(WRITERS).keys()].map((w) =>
      children.spawnTs(PROC, ['--role', 'write', '--url', server.url, '--session', session, '--from', `w${String(w + 1).padStart(2, '0')}-research`, '--count', String(PER_WRITER)]),
    );
    const writersDone = Promise.all(writers.map(exited));
    let writing = true;
    void writersDone.then(() => (writing = false));

    let kills = 0;
    let round = 0;
    for (;;) {
      const ready = path.join(dir, `ready-${round++}`);
      const reader = children.spawnTs(PROC, ['--role', 'read', '--url', server.url, '--session', session, '--record', record, '--ready', ready]);
      await waitFor(() => fs.existsSync(ready) || reader.exitCode !== null, 'the reader to start', 60_000);
      expect(reader.exitCode, stderrOf(reader)).toBeNull();
      // Kill at a random moment while writers still write, and a few times after.
      if (writing || kills < 6) {
        await sleep(200 + Math.floor(Math.random() * 900));
        if (lines().length < WRITERS * PER_WRITER) {
          reader.kill('SIGKILL');
          await exited(reader);
          kills++;
          continue;
        }
      }
      await writersDone;
      await waitFor(() => lines().length >= WRITERS * PER_WRITER, 'every message to be handled', 120_000);
      reader.kill('SIGTERM');
      expect(await exited(reader)).toBe(0);
      break;
    }
    for (const w of writers) expect(w.exitCode, stderrOf(w)).toBe(0);

    const got = lines();
    const ids = got.map((l) => l.split(' ')[0]);
    const texts = got.map((l) => l.split(' ')[1]!);
    expect(new Set(ids).size).toBe(ids.length); // 0 handled twice
    expect(got).toHaveLength(WRITERS * PER_WRITER); // 0 lost
    for (let w = 1; w <= WRITERS; w++) {
      const from = `w${String(w).padStart(2, '0')}-research`;
      const order = texts.filter((x) => x.startsWith(from + ':')).map((x) => Number(x.split(':')[1]));
      expect(order).toEqual([...Array(PER_WRITER).keys()]);
    }
    expect(kills).toBeGreaterThanOrEqual(1);
    const counts = await t.count('coordinator');
    expect(counts).toMatchObject({ new: 0, dead: 0, cur: WRITERS * PER_WRITER });
    await t.close();
  });
});
