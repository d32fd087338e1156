/**
 * Issue 12, item 5: tmp/ cleanup spares a stalled sender (a real writer process, SIGSTOPped
 * between its tmp/ write and its rename), removes a dead writer's leftovers at once, and a
 * tmp file that vanishes under a send gets its own error.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MailboxReader, mailboxDir, messageFileName, tmpFileName, type Envelope } from '../../src/mailbox/index.js';
import { Children, WRITER_SCRIPT, exited, lsSync, makeSession, removeSession, stdoutOf, waitFor, type TestSession } from './helpers.js';

/** The process state letter from /proc (T = stopped). */
function procState(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

describe('mailbox tmp/ cleanup', { timeout: 60_000 }, () => {
  let s: TestSession | undefined;
  const readers: MailboxReader[] = [];
  const children = new Children();
  afterEach(async () => {
    await children.killAll();
    await Promise.all(readers.splice(0).map((r) => r.stop()));
    await removeSession(s);
    s = undefined;
  });

  const folder = (f: string) => path.join(mailboxDir(s!.dir, 'coordinator'), f);
  function reader(got: Envelope[]): MailboxReader {
    const r = new MailboxReader({ sessionDir: s!.dir, sessionId: s!.id, agentId: 'coordinator', rescanIntervalMs: 100, handler: async (env) => void got.push(env) });
    readers.push(r);
    return r;
  }

  /** A writer process stopped after writing its one message to tmp/; returns it and the tmp file. */
  async function stalledWriter() {
    const child = children.spawnTs(WRITER_SCRIPT, ['--session-dir', s!.dir, '--session-id', s!.id, '--from', 'w01-research', '--to', 'coordinator', '--stop-before-rename']);
    await waitFor(() => procState(child.pid!) === 'T' && lsSync(folder('tmp')).length === 1, 'the writer to stall before its rename');
    return { child, tmpFile: path.join(folder('tmp'), lsSync(folder('tmp'))[0]!) };
  }

  it('keeps a stalled sender\'s tmp/ file through a reader start, and the send completes when it resumes', async () => {
    s = await makeSession(['coordinator']);
    const { child, tmpFile } = await stalledWriter();
    // It has been stalled for two minutes (SIGSTOPped, swapped out...).
    const past = new Date(Date.now() - 120_000);
    fs.utimesSync(tmpFile, past, past);
    const got: Envelope[] = [];
    await reader(got).start();
    expect(fs.existsSync(tmpFile)).toBe(true);
    child.kill('SIGCONT');
    expect(await exited(child)).toBe(0);
    await waitFor(() => got.length === 1, 'the delivered message');
    expect(lsSync(folder('tmp'))).toEqual([]);
  });

  it('gives a tmp/ file that vanished under a send its own error, not E_UNKNOWN_RECIPIENT', async () => {
    s = await makeSession(['coordinator']);
    const { child, tmpFile } = await stalledWriter();
    fs.rmSync(tmpFile);
    child.kill('SIGCONT');
    expect(await exited(child)).toBe(1);
    expect(JSON.parse(stdoutOf(child).trim())).toEqual({ error: 'E_TMP_VANISHED' });
  });

  it("removes a dead writer's tmp/ file at once, and an unknown writer's only when very old", async () => {
    s = await makeSession(['coordinator']);
    const gone = spawn(process.execPath, ['-e', '0']);
    await exited(gone);
    const alive = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const deadWriter = path.join(folder('tmp'), tmpFileName(messageFileName(1, 0, 'dead'), gone.pid!));
      const liveWriter = path.join(folder('tmp'), tmpFileName(messageFileName(1, 0, 'live'), alive.pid!));
      const oldLive = path.join(folder('tmp'), tmpFileName(messageFileName(1, 0, 'oldlive'), alive.pid!));
      for (const f of [deadWriter, liveWriter, oldLive]) fs.writeFileSync(f, '{"partial":');
      const twoMinutesAgo = new Date(Date.now() - 120_000);
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      fs.utimesSync(liveWriter, twoMinutesAgo, twoMinutesAgo);
      // A pid may be reused: a very old file goes even if "its" pid is alive.
      fs.utimesSync(oldLive, twoHoursAgo, twoHoursAgo);
      await reader([]).start();
      expect(lsSync(folder('tmp'))).toEqual([path.basename(liveWriter)]);
    } finally {
      alive.kill('SIGKILL');
      await exited(alive);
    }
  });
});
