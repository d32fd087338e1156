/**
 * Issue 12, items 4, 6 and 8: a missing cur/, over-long file names, unbounded JSON and
 * hostile reason text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvelopeSchema, MailboxSender, listMailbox, messageFileName } from '../../src/mailbox/index.js';
import { envelope, lsSync, makeSession, waitFor, type TestSession, readerFixture } from './helpers.js';

describe('mailbox hardening', () => {
  let s: TestSession | undefined;
  const { reader, folder } = readerFixture(() => s);
  const sender = () => new MailboxSender({ sessionDir: s!.dir, sessionId: s!.id, from: 'w01-research' });
  const usage = { input_tokens: 1, output_tokens: 1 };
  /** A result envelope as text, with `structured` spliced in raw (it may be too deep to build as an object). */
  const resultText = (id: string, structuredJson: string) =>
    JSON.stringify(envelope({ id, type: 'result', body: { subtask: 't1', attempt: 1, output: 'o', turns: 1, usage, structured: '@@' } }, s!.id)).replace('"@@"', structuredJson);

  it('recreates a cur/ missing at start, acks into it, and never handles the message again', async () => {
    s = await makeSession(['coordinator']);
    fs.rmSync(folder('cur'), { recursive: true });
    const got: string[] = [];
    const r = reader({ handler: async (env) => void got.push(env.id) });
    await r.start();
    expect(fs.existsSync(folder('cur'))).toBe(true);
    const m = await sender().send('coordinator', 'message', { text: 'once' });
    await waitFor(() => got.includes(m.id), 'the message');
    await waitFor(() => lsSync(folder('cur')).length === 1, 'the ack into cur/');
    expect(lsSync(folder('new'))).toEqual([]);
    await r.stop();

    const again: string[] = [];
    const r2 = reader({ handler: async (env) => void again.push(env.id) });
    await r2.start();
    await r2.pump();
    expect(again).toEqual([]);
  });

  it('recreates a cur/ removed under a running reader at the next ack, instead of calling the file vanished', async () => {
    s = await makeSession(['coordinator']);
    const got: string[] = [];
    const r = reader({ handler: async (env) => void got.push(env.id) });
    await r.start();
    fs.rmSync(folder('cur'), { recursive: true });
    const m = await sender().send('coordinator', 'message', { text: 'once' });
    await waitFor(() => got.includes(m.id), 'the message');
    await waitFor(() => lsSync(folder('cur')).length === 1, 'the ack into a recreated cur/');
    expect(lsSync(folder('new'))).toEqual([]);
  });

  it('dead-letters a file whose reason file name would pass NAME_MAX, and inbox shows its reason', async () => {
    s = await makeSession(['coordinator']);
    const long = `${'x'.repeat(250)}.json`;
    fs.writeFileSync(path.join(folder('new'), long), '{}');
    const r = reader({ handler: async () => undefined });
    await r.start();
    await waitFor(() => lsSync(folder('new')).length === 0, 'the long name to leave new/');
    expect(lsSync(folder('dead'))).toContain(long);
    const dead = await listMailbox(s.dir, 'coordinator', ['dead']);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ name: long });
    expect(dead[0]!.reason).toMatch(/envelope fails its schema/);
    expect(r.stats.dead).toBe(1);
  });

  it('refuses 100k nested arrays in result.body.structured at the schema, sender and reader alike', async () => {
    s = await makeSession(['coordinator']);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const parsed = EnvelopeSchema.safeParse(JSON.parse(resultText('deep', deep)));
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toMatch(/nested deeper than 64 levels/);
    const wide = JSON.stringify(Array.from({ length: 60_000 }, () => 0));
    expect(EnvelopeSchema.safeParse(JSON.parse(resultText('wide', wide))).error!.issues[0]!.message).toMatch(/more than 50000 JSON values/);
    // Reasonable structured output still passes.
    expect(EnvelopeSchema.safeParse(JSON.parse(resultText('fine', JSON.stringify({ score: 0.9, issues: [{ line: 3, note: 'x' }] })))).success).toBe(true);

    let nested: unknown = 1;
    for (let i = 0; i < 100; i++) nested = [nested];
    await expect(sender().send('coordinator', 'result', { subtask: 't1', attempt: 1, output: 'o', turns: 1, usage, structured: nested })).rejects.toThrow(/structured: free-form JSON out of bounds/);

    const name = messageFileName(1, 0, 'deep');
    fs.writeFileSync(path.join(folder('new'), name), resultText('deep', deep));
    let calls = 0;
    const r = reader({
      handler: async (env) => {
        calls++;
        JSON.stringify(env);
      },
    });
    await r.start();
    await waitFor(() => lsSync(folder('dead')).includes(name), 'the deep file in dead/');
    expect(calls).toBe(0);
    expect(fs.readFileSync(path.join(folder('dead'), `${name}.reason.txt`), 'utf8')).toMatch(/schema at body\.structured: free-form JSON out of bounds: nested deeper than 64 levels/);
  });

  it('caps a reason file at 8 KiB and strips control bytes from it', async () => {
    s = await makeSession(['coordinator']);
    const name = messageFileName(1, 0, 'hostile');
    const session = `\u001b[2J\u001b]0;pwned\u0007\r\n\u202e${'a'.repeat(600_000)}`;
    fs.writeFileSync(path.join(folder('new'), name), JSON.stringify(envelope({ id: 'hostile' }, session)));
    const r = reader({ handler: async () => undefined });
    await r.start();
    await waitFor(() => lsSync(folder('dead')).includes(name), 'the hostile file in dead/');
    const reason = fs.readFileSync(path.join(folder('dead'), `${name}.reason.txt`));
    expect(reason.length).toBeLessThanOrEqual(8 * 1024 + 1);
    const text = reason.toString('utf8');
    expect(text).toMatch(/^belongs to session \[2J ]0;pwned a+ … \(cut, \d+ bytes in all\)\n$/);
    expect(text.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });
});
