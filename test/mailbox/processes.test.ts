/**
 * Real writer processes against one reader: order per sender, no partial reads, and
 * exactly-once handling of a 2000-message burst.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { MailboxReader, mailboxDir, type Envelope } from '../../src/mailbox/index.js';
import { Children, WRITER_SCRIPT, exited, lsSync, makeSession, removeSession, stderrOf, waitFor, type TestSession } from './helpers.js';

// Generous bounds: these are liveness limits on a noisy 2-core machine, not timing asserts.
describe('mailbox under concurrent writer processes', { timeout: 120_000 }, () => {
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

  /** Starts writers that wait on a go file, releases them together, and returns their exit codes. */
  async function runWriters(writers: string[], extra: string[]): Promise<Array<Promise<number | string>>> {
    const go = path.join(s!.dir, 'go');
    const procs = writers.map((w) =>
      children.spawnTs(WRITER_SCRIPT, [
        '--session-dir', s!.dir, '--session-id', s!.id, '--from', w, '--to', 'coordinator',
        '--ready', path.join(s!.dir, `ready-${w}`), '--go', go, ...extra,
      ]),
    );
    await waitFor(() => writers.every((w) => lsSync(s!.dir).includes(`ready-${w}`)), 'writers to be ready', 45_000);
    fs.writeFileSync(go, '');
    return procs.map(async (p) => {
      const code = await exited(p);
      if (code !== 0) throw new Error(`writer exited ${code}: ${stderrOf(p)}`);
      return code;
    });
  }

  function startReader(onEnv: (env: Envelope) => void): Promise<void> {
    r = new MailboxReader({
      sessionDir: s!.dir,
      sessionId: s!.id,
      agentId: 'coordinator',
      rescanIntervalMs: 200,
      handler: async (env) => onEnv(env),
    });
    return r.start();
  }

  /** Per writer, the i of each handled message (text is `${writer}:${i}` or `${writer}:${i}:...`). */
  function checkOrder(texts: string[], writers: string[], count: number): void {
    const byWriter = new Map<string, number[]>();
    for (const t of texts) {
      const [w, i] = t.split(':');
      byWriter.set(w!, [...(byWriter.get(w!) ?? []), Number(i)]);
    }
    for (const w of writers) {
      const seq = byWriter.get(w) ?? [];
      expect(seq, w).toHaveLength(count);
      for (let k = 1; k < seq.length; k++) expect(seq[k]!, `${w} at ${k}`).toBeGreaterThan(seq[k - 1]!);
    }
  }

  it('keeps each sender\'s order across several writer processes', async () => {
    s = await makeSession(['coordinator']);
    const texts: string[] = [];
    await startReader((env) => env.type === 'message' && texts.push(env.body.text));
    const writers = ['w1', 'w2', 'w3'];
    const done = await runWriters(writers, ['--count', '60', '--delay-ms', '1']);
    await Promise.all(done);
    await waitFor(() => texts.length === 180, 'all 180 messages handled');
    checkOrder(texts, writers, 60);
  });

  it('never hands the reader a partial file, even for large bodies', async () => {
    s = await makeSession(['coordinator']);
    const texts: string[] = [];
    await startReader((env) => env.type === 'message' && texts.push(env.body.text));
    // Besides the reader, a peeker reads every file in new/ as fast as it can, to widen the
    // chance of catching a file that is visible before it is whole. It runs on its own
    // thread with synchronous calls: the reader takes each file in the same turn as its
    // watch event, so a peeker sharing its event loop would hardly ever see one.
    const newDir = path.join(mailboxDir(s.dir, 'coordinator'), 'new');
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const peeker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      const path = require('node:path');
      const { newDir, stop } = workerData;
      const torn = [];
      let peeks = 0;
      while (Atomics.load(stop, 0) === 0) {
        for (const name of fs.readdirSync(newDir)) {
          let text;
          try { text = fs.readFileSync(path.join(newDir, name), 'utf8'); } catch { continue; } // acked meanwhile
          peeks++;
          try { JSON.parse(text); } catch { torn.push(name + ' (' + text.length + ' bytes)'); }
        }
      }
      parentPort.postMessage({ torn, peeks });`,
      { eval: true, workerData: { newDir, stop } },
    );
    const peeked = new Promise<{ torn: string[]; peeks: number }>((resolve, reject) => {
      peeker.once('message', resolve);
      peeker.once('error', reject);
    });
    const writers = ['w1', 'w2', 'w3'];
    const done = await runWriters(writers, ['--count', '25', '--min-size', '50000', '--max-size', '200000']);
    await Promise.all(done);
    await waitFor(() => texts.length === 75, 'all 75 large messages handled');
    Atomics.store(stop, 0, 1);
    const { torn, peeks } = await peeked;
    await peeker.terminate();
    expect(torn).toEqual([]);
    expect(peeks).toBeGreaterThan(0);
    for (const t of texts) {
      const [w, i, len] = t.split(':');
      expect(t.length, `${w}:${i}`).toBe(Number(len));
      expect(t.slice(`${w}:${i}:${len}:`.length)).toMatch(/^x*$/);
    }
    checkOrder(texts, writers, 25);
    const box = mailboxDir(s.dir, 'coordinator');
    expect(lsSync(path.join(box, 'dead'))).toEqual([]);
    expect(lsSync(path.join(box, 'tmp'))).toEqual([]);
  });

  it('handles 4 writers × 500 messages exactly once', async () => {
    s = await makeSession(['coordinator']);
    const counts = new Map<string, number>();
    const texts: string[] = [];
    await startReader((env) => {
      counts.set(env.id, (counts.get(env.id) ?? 0) + 1);
      if (env.type === 'message') texts.push(env.body.text);
    });
    const writers = ['w1', 'w2', 'w3', 'w4'];
    const done = await runWriters(writers, ['--count', '500']);
    await Promise.all(done);
    await waitFor(() => texts.length >= 2000, 'all 2000 messages handled', 45_000);
    const box = mailboxDir(s.dir, 'coordinator');
    await waitFor(() => lsSync(path.join(box, 'cur')).length === 2000, 'all 2000 acked into cur/');
    expect(counts.size).toBe(2000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(texts).toHaveLength(2000);
    expect(new Set(texts).size).toBe(2000);
    checkOrder(texts, writers, 500);
    expect(lsSync(path.join(box, 'new'))).toEqual([]);
    expect(lsSync(path.join(box, 'dead'))).toEqual([]);
    expect(r!.handledIds.size).toBe(2000);
  });
});
