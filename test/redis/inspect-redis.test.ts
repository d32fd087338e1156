/**
 * Issue 18, item 4: a redis-transport session read through Redis from a machine without
 * its session folder. `mailroom inbox --redis` shows the mailbox stream as folders (acked =
 * handled, not acked = waiting, the dead-letter stream with reasons), like a Maildir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nanoid } from 'nanoid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { mailboxStreamKey } from '../../src/mailbox/redis/keys.js';
import { RedisTransport } from '../../src/mailbox/redis/transport.js';
import { waitFor } from '../mailbox/helpers.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis.js';

const AGENT = 'w01-research';
/** A session id in the real pattern (`<date>-<time>-<6 of [0-9a-z]>`). */
const newSession = () => `20250101-000000-${nanoid(6).toLowerCase().replace(/[^0-9a-z]/g, 'x')}`;

async function mailroom(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe.skipIf(!hasRedisServer())('mailroom inbox --redis: a Redis mailbox read like a Maildir, from a machine without the session folder', { timeout: 60_000 }, () => {
  let server: TestRedis;
  let t: RedisTransport | undefined;
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-inspect-redis-'));
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('lists handled, waiting and (with --all) dead messages with reasons; names the agents of a wrong one', async () => {
    const sid = newSession();
    t = RedisTransport.connect(server.url, sid);
    await t.createMailbox('coordinator');
    await t.createMailbox(AGENT);
    const sender = t.sender({ from: 'coordinator' });
    const handled = await sender.send(AGENT, 'message', { text: 'handled one' });
    await t.client.xadd(mailboxStreamKey(sid, AGENT), '*', 'env', '{not json');
    const r = t.reader({ agentId: AGENT, rescanIntervalMs: 100, handler: async () => undefined });
    await r.start();
    await waitFor(async () => {
      const c = await t!.count(AGENT);
      return c.cur === 1 && c.dead === 1;
    }, 'one handled and one dead');
    await r.stop();
    const waiting = await sender.send(AGENT, 'message', { text: 'still waiting' });

    const all = await mailroom('inbox', sid, AGENT, '--all', '--redis', server.url, '--runtime-dir', runtime);
    expect(all.code, all.err).toBe(0);
    const blocks = all.out.trimEnd().split('\n\n');
    expect(blocks).toHaveLength(3);
    // In stream order: the handled one, the bad entry, the waiting one.
    expect(blocks[0]).toMatch(/^#1 {2}\S+ {2}coordinator -> w01-research {2}message {2}\[cur: handled\]/);
    expect(blocks[0]).toContain(`id ${handled.id}`);
    expect(blocks[0]).toContain('| handled one');
    expect(blocks[0]).toMatch(/entry \d+-\d+ \(acked\)$/);
    expect(blocks[1]).toMatch(/^#2 {2}\d+-\d+ {2}\[dead: DEAD\]/);
    expect(blocks[1]).toMatch(/dead because: not valid JSON/);
    expect(blocks[1]).toContain('| {not json');
    expect(blocks[1]).toMatch(/\(dead-letter stream\)$/);
    expect(blocks[2]).toMatch(/\[new: waiting\]/);
    expect(blocks[2]).toContain(`id ${waiting.id}`);
    expect(blocks[2]).toMatch(/\(not acked yet\)$/);

    const plain = await mailroom('inbox', sid, AGENT, '--redis', server.url, '--runtime-dir', runtime);
    expect(plain.code, plain.err).toBe(0);
    expect(plain.out).not.toContain('not valid JSON');
    expect(plain.out).toContain('1 message in the dead-letter stream not shown: add --all');

    // MAILROOM_REDIS_URL stands in for the URL.
    process.env.MAILROOM_REDIS_URL = server.url;
    try {
      const byEnv = await mailroom('inbox', sid, 'coordinator', '--redis', '--runtime-dir', runtime);
      expect(byEnv.code, byEnv.err).toBe(0);
      expect(byEnv.out).toBe('coordinator: no messages in its mailbox\n');
    } finally {
      delete process.env.MAILROOM_REDIS_URL;
    }

    const wrong = await mailroom('inbox', sid, 'w09-nobody', '--redis', server.url, '--runtime-dir', runtime);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain(`session ${sid} has no agent "w09-nobody"; its agents are: coordinator, ${AGENT}`);
  });

  it('an unknown session, a missing URL and a bad one are usage errors (exit 2) naming the problem', async () => {
    const none = await mailroom('inbox', newSession(), AGENT, '--redis', server.url, '--runtime-dir', runtime);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no session "\S+" under .* or in Redis/);
    delete process.env.MAILROOM_REDIS_URL;
    const noUrl = await mailroom('inbox', newSession(), AGENT, '--redis', '--runtime-dir', runtime);
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toContain('--redis without a URL needs MAILROOM_REDIS_URL');
    const bad = await mailroom('inbox', newSession(), AGENT, '--redis', 'http://x:1', '--runtime-dir', runtime);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--redis: invalid --redis URL .*scheme must be/);
  });
});
