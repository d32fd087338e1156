/**
 * Issue 18, item 4: a redis-transport session read through Redis from a machine without
 * its session folder. `mailroom inbox --redis` shows the mailbox stream as folders (acked =
 * handled, not acked = waiting, the dead-letter stream with reasons), like a Maildir;
 * `transcript --redis` and `logs --redis` read a worker's transcript and log from the
 * streams its worker host appends to (through the host's own FileToStream) when the file
 * is not on this machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nanoid } from 'nanoid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { mailboxStreamKey } from '../../src/mailbox/redis/keys.js';
import { RedisTransport } from '../../src/mailbox/redis/transport.js';
import { fileStream } from '../../src/worker-host/protocol.js';
import { FileToStream } from '../../src/worker-host/tail.js';
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

  it('transcript and logs: a worker\'s files read from its streams when they are not here; a local file wins', async () => {
    const sid = newSession();
    t = RedisTransport.connect(server.url, sid);
    await t.createMailbox('coordinator');
    await t.createMailbox(AGENT);
    // What a worker host does: the worker's files on the host, followed into their streams.
    const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-host-files-'));
    try {
      const transcript = path.join(hostDir, 'transcript.jsonl');
      const log = path.join(hostDir, 'log.ndjson');
      const now = Date.now();
      fs.writeFileSync(
        transcript,
        [
          { t: now, kind: 'system', attempt: 1, content: 'You are a research worker.', tools: ['read_file'] },
          { t: now + 1, kind: 'message', attempt: 1, message: { role: 'user', content: 'Find the error handling' } },
          { t: now + 2, kind: 'message', attempt: 1, message: { role: 'assistant', content: [{ type: 'text', text: 'ERRORS-ARE-HANDLED-IN-MAIN' }] } },
        ]
          .map((l) => JSON.stringify(l))
          .join('\n') + '\n',
      );
      fs.writeFileSync(log, JSON.stringify({ level: 30, time: now, msg: 'worker started on the host' }) + '\n');
      const tails = [new FileToStream(t.client, transcript, fileStream(sid, AGENT, 'transcript')), new FileToStream(t.client, log, fileStream(sid, AGENT, 'log'))];
      for (const tail of tails) await tail.poll();

      const tr = await mailroom('transcript', sid, AGENT, '--redis', server.url, '--runtime-dir', runtime);
      expect(tr.code, tr.err).toBe(0);
      expect(tr.out).toContain('ERRORS-ARE-HANDLED-IN-MAIN');
      expect(tr.out).toContain('Find the error handling');
      const logs = await mailroom('logs', sid, AGENT, '--redis', server.url, '--runtime-dir', runtime);
      expect(logs.code, logs.err).toBe(0);
      expect(logs.out).toContain('worker started on the host');

      // A line appended later reaches the stream on the next poll, and the next read.
      fs.appendFileSync(log, JSON.stringify({ level: 40, time: now + 5, msg: 'a later warning' }) + '\n');
      for (const tail of tails) await tail.poll();
      const again = await mailroom('logs', sid, AGENT, '--redis', server.url, '--runtime-dir', runtime);
      expect(again.out).toMatch(/worker started on the host[\s\S]*a later warning/);

      // The coordinator's machine: its session folder, with the agent's folder but no transcript yet.
      const coordRt = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-coord-files-'));
      try {
        const agentDir = path.join(coordRt, 'sessions', sid, 'agents', AGENT);
        fs.mkdirSync(agentDir, { recursive: true });
        fs.writeFileSync(path.join(coordRt, 'sessions', sid, 'session.json'), JSON.stringify({ id: sid, status: 'running' }));
        const viaStream = await mailroom('transcript', sid, AGENT, '--redis', server.url, '--runtime-dir', coordRt);
        expect(viaStream.code, viaStream.err).toBe(0);
        expect(viaStream.out).toContain('ERRORS-ARE-HANDLED-IN-MAIN');
        fs.writeFileSync(
          path.join(agentDir, 'transcript.jsonl'),
          JSON.stringify({ t: now, kind: 'message', attempt: 1, message: { role: 'assistant', content: [{ type: 'text', text: 'THE-LOCAL-MIRROR' }] } }) + '\n',
        );
        const viaFile = await mailroom('transcript', sid, AGENT, '--redis', server.url, '--runtime-dir', coordRt);
        expect(viaFile.out).toContain('THE-LOCAL-MIRROR');
        expect(viaFile.out).not.toContain('ERRORS-ARE-HANDLED-IN-MAIN');
      } finally {
        fs.rmSync(coordRt, { recursive: true, force: true });
      }

      // Without --redis there is no session here at all.
      const local = await mailroom('transcript', sid, AGENT, '--runtime-dir', runtime);
      expect(local.code).toBe(2);
      expect(local.err).toMatch(/no session/);
    } finally {
      fs.rmSync(hostDir, { recursive: true, force: true });
    }
  });
});
