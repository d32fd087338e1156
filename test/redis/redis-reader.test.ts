/**
 * What only the redis transport has: XAUTOCLAIM of a predecessor's pending entries (and of
 * entries deleted while pending, redis #10227/#13956), the lock key as a fence, the trim
 * policy, and URLs with passwords.
 */
import { nanoid } from 'nanoid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { connectRedis, maskRedisUrl, parseRedisUrl } from '../../src/mailbox/redis/connect.js';
import { READER_GROUP, mailboxKeys } from '../../src/mailbox/redis/keys.js';
import { RedisMailboxReader } from '../../src/mailbox/redis/reader.js';
import { trimAcked } from '../../src/mailbox/redis/trim.js';
import { RedisTransport } from '../../src/mailbox/redis/transport.js';
import type { Envelope } from '../../src/contracts/envelope.js';
import { waitFor } from '../mailbox/helpers.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis.js';

const AGENT = 'coordinator';
const newSession = () => `20250101-000000-${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}`;

describe('redis URLs', () => {
  it('accepts redis://, rediss:// and unix://, with passwords; refuses other schemes with a clear error', () => {
    expect(parseRedisUrl('redis://:s3cret@10.0.0.5:6379/2').hostname).toBe('10.0.0.5');
    expect(parseRedisUrl('rediss://user:pw@redis.example:6380').protocol).toBe('rediss:');
    expect(parseRedisUrl('unix:///run/redis.sock').pathname).toBe('/run/redis.sock');
    expect(() => parseRedisUrl('http://host:6379')).toThrow(ConfigError);
    expect(() => parseRedisUrl('http://host:6379')).toThrow(/scheme must be redis:\/\/, rediss:\/\/ or unix:\/\//);
    expect(() => parseRedisUrl('not a url')).toThrow(/invalid --redis URL/);
    expect(maskRedisUrl('redis://:s3cret@h:1')).not.toContain('s3cret');
  });
});

describe.skipIf(!hasRedisServer())('redis reader', { timeout: 60_000 }, () => {
  let server: TestRedis;
  let t: RedisTransport | undefined;
  const readers: RedisMailboxReader[] = [];
  beforeAll(async () => {
    server = await startRedis({ password: 'p@ss word' });
  });
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.stop()));
    await t?.close();
    t = undefined;
  });
  afterAll(() => server?.stop());

  async function open(): Promise<RedisTransport> {
    t = RedisTransport.connect(server.url, newSession());
    await t.createMailbox(AGENT);
    return t;
  }
  function reader(handler: (env: Envelope) => Promise<void>, extra: Partial<ConstructorParameters<typeof RedisMailboxReader>[2]> = {}): RedisMailboxReader {
    const r = t!.reader({ agentId: AGENT, rescanIntervalMs: 100, handler, ...extra });
    readers.push(r);
    return r;
  }

  it('connects with a password in the URL, and a wrong password fails with the server\'s error', async () => {
    await open();
    expect(server.url).toContain('p%40ss%20word@');
    const bad = connectRedis(server.url.replace('p%40ss%20word', 'wrong'), { extra: { maxRetriesPerRequest: 0, retryStrategy: () => null } });
    await expect(bad.ping()).rejects.toThrow(/WRONGPASS|invalid password|NOAUTH|closed/i);
    bad.disconnect();
  });

  it('a new reader claims the entry its stuck predecessor was handling, and the predecessor can no longer ack', async () => {
    await open();
    const sender = t!.sender({ from: 'w01-research' });
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    const firstSeen: string[] = [];
    let lost = 0;
    const a = reader(async (env) => {
      firstSeen.push(env.id);
      await stuck;
    }, { onLockLost: () => void lost++ });
    await a.start();
    const m1 = await sender.send(AGENT, 'message', { text: 'one' });
    const m2 = await sender.send(AGENT, 'message', { text: 'two' });
    await waitFor(() => firstSeen.length === 1, 'the first reader to be inside its handler');

    const handled: string[] = [];
    const b = reader(async (env) => void handled.push(env.id), { takeOverLock: true });
    await b.start();
    await waitFor(() => handled.length === 2, 'the new reader to handle both');
    expect(handled).toEqual([m1.id, m2.id]);
    expect(b.stats.claimed).toBeGreaterThanOrEqual(1);
    // The old reader's handler finally returns: its ack is refused by the lock fence.
    release();
    await waitFor(() => lost === 1, 'the old reader to notice it lost the lock');
    const keys = mailboxKeys(t!.sessionId, AGENT);
    const pending = (await t!.client.call('XPENDING', keys.stream, READER_GROUP)) as unknown[];
    expect(Number(pending[0])).toBe(0);
    expect(await t!.count(AGENT)).toMatchObject({ new: 0, cur: 2, dead: 0 });
  });

  it('survives pending entries deleted from the stream before their ack (the XAUTOCLAIM pitfall)', async () => {
    await open();
    const sender = t!.sender({ from: 'w01-research' });
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await sender.send(AGENT, 'message', { text: `m${i}` }));
    const keys = mailboxKeys(t!.sessionId, AGENT);
    // A reader that died after reading everything: all five pending under its name.
    await t!.client.call('XREADGROUP', 'GROUP', READER_GROUP, 'reader-dead', 'COUNT', '10', 'STREAMS', keys.stream, '>');
    const entries = (await t!.client.call('XRANGE', keys.stream, '-', '+')) as [string, string[]][];
    await t!.client.call('XDEL', keys.stream, entries[1]![0], entries[3]![0]);
    const handled: string[] = [];
    const r = reader(async (env) => void handled.push(env.id), { takeOverLock: true, batch: 2 });
    await r.start();
    await waitFor(() => handled.length === 3, 'the three surviving entries');
    expect(handled).toEqual([sent[0]!.id, sent[2]!.id, sent[4]!.id]);
    expect(r.stats.deletedPending).toBe(2);
    const pending = (await t!.client.call('XPENDING', keys.stream, READER_GROUP)) as unknown[];
    expect(Number(pending[0])).toBe(0);
    // The dead consumer owned nothing any more and was removed.
    const consumers = (await t!.client.call('XINFO', 'CONSUMERS', keys.stream, READER_GROUP)) as unknown[][];
    expect(consumers.map((c) => c[1])).toEqual([r.consumer]);
  });

  it('trims acked entries by age and never an unacked one', async () => {
    await open();
    const sender = t!.sender({ from: 'w01-research' });
    const keys = mailboxKeys(t!.sessionId, AGENT);
    let block = false;
    let inside = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const r = reader(async (env) => {
      if ((env.body as { text: string }).text === 'hold') {
        block = true;
        inside++;
        await gate;
      }
    });
    await r.start();
    for (let i = 0; i < 3; i++) await sender.send(AGENT, 'message', { text: `old${i}` });
    await waitFor(async () => (await t!.count(AGENT)).cur === 3, 'three acked');
    await sender.send(AGENT, 'message', { text: 'hold' });
    await sender.send(AGENT, 'message', { text: 'after' });
    await waitFor(() => inside === 1 && block, 'the held message in its handler');
    // keepAckedMs 0: everything acked may go, but the held (pending) one and the one after it stay.
    const removed = await trimAcked(t!.client, keys.stream, READER_GROUP, { keepAckedMs: 0 });
    expect(removed).toBe(3);
    expect(Number(await t!.client.xlen(keys.stream))).toBe(2);
    release();
    await waitFor(async () => (await t!.count(AGENT)).cur === 2, 'the last two acked');
  });
});
