/**
 * Issue 12, item 7: a wall clock that steps back between two processes of the same sender
 * (a worker restarted as a new attempt, a resumed coordinator) does not reorder its
 * messages: each process starts from the floor its predecessor persisted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MailboxReader, MailboxSender, mailboxDir } from '../../src/mailbox/index.js';
import { Children, WRITER_SCRIPT, exited, lsSync, makeSession, removeSession, stderrOf, waitFor, type TestSession } from './helpers.js';

/** The lease of src/mailbox/send-clock.ts (not imported, so this file also runs against code without it). */
const SEND_CLOCK_LEASE_MS = 1000;

describe('sender clock across restarts', { timeout: 60_000 }, () => {
  let s: TestSession | undefined;
  let r: MailboxReader | undefined;
  const children = new Children();
  afterEach(async () => {
    await children.killAll();
    await r?.stop();
    r = undefined;
    await removeSession(s);
    s = undefined;
  });

  async function writer(first: number, offsetMs: number): Promise<void> {
    const child = children.spawnTs(WRITER_SCRIPT, [
      '--session-dir', s!.dir, '--session-id', s!.id, '--from', 'w01-research', '--to', 'coordinator',
      '--count', '5', '--first', String(first), `--clock-offset-ms=${offsetMs}`,
    ]);
    const code = await exited(child);
    if (code !== 0) throw new Error(`writer exited ${code}: ${stderrOf(child)}`);
  }

  it("keeps a sender's order when the clock steps back an hour between two of its processes", async () => {
    s = await makeSession(['coordinator', 'w01-research']);
    await writer(0, 0);
    // The same sender restarts after the wall clock stepped back by an hour.
    await writer(5, -3600_000);
    const got: string[] = [];
    r = new MailboxReader({ sessionDir: s.dir, sessionId: s.id, agentId: 'coordinator', handler: async (env) => void got.push(env.type === 'message' ? env.body.text : env.type) });
    await r.start();
    await waitFor(() => got.length === 10, 'all ten messages');
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `w01-research:${i}`));
    const floor = JSON.parse(fs.readFileSync(path.join(s.dir, 'agents', 'w01-research', 'send-clock.json'), 'utf8')) as { floor: number };
    expect(floor.floor).toBeGreaterThan(Date.now() - 60_000);
  });

  it('writes the floor about once per lease, not once per message', async () => {
    s = await makeSession(['coordinator', 'w01-research']);
    let now = 1_700_000_000_000;
    const sender = new MailboxSender({ sessionDir: s.dir, sessionId: s.id, from: 'w01-research', seams: { now: () => now } });
    const file = path.join(s.dir, 'agents', 'w01-research', 'send-clock.json');
    const floors = new Set<number>();
    for (let i = 0; i < 50; i++) {
      await sender.send('coordinator', 'message', { text: `m${i}` });
      floors.add((JSON.parse(fs.readFileSync(file, 'utf8')) as { floor: number }).floor);
      now += SEND_CLOCK_LEASE_MS / 10;
    }
    // 50 messages over 5 leases: 5 writes, each a lease ahead of the sentAt that needed it.
    expect([...floors]).toEqual([0, 1, 2, 3, 4].map((k) => 1_700_000_000_000 + k * SEND_CLOCK_LEASE_MS + SEND_CLOCK_LEASE_MS));
    expect(lsSync(path.join(mailboxDir(s.dir, 'coordinator'), 'new'))).toHaveLength(50);
  });
});
