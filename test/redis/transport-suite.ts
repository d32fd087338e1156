/**
 * The mailbox behaviour every transport must show, written against the MailboxTransport
 * interface only. transport-fs.test.ts and transport-redis.test.ts run it on each.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadMessageError, MailboxLockedError, UnknownRecipientError } from '../../src/errors.js';
import type { Envelope } from '../../src/contracts/envelope.js';
import type { MailboxTransport, TransportReader, TransportReaderOptions } from '../../src/mailbox/transport.js';
import { envelope, waitFor } from '../mailbox/helpers.js';

export interface TransportHarness {
  /** A fresh session on the transport, with mailboxes for `agents`. */
  open(agents: string[]): Promise<MailboxTransport>;
  /** Puts raw text into an agent's mailbox, bypassing the sender (a foreign or broken writer). */
  injectRaw(t: MailboxTransport, agentId: string, text: string): Promise<void>;
  /** Removes what open() made. */
  cleanup(t: MailboxTransport): Promise<void>;
}

const AGENT = 'w01-research';

export function transportSuite(name: string, harness: () => TransportHarness): void {
  describe(`mailbox transport: ${name}`, { timeout: 60_000 }, () => {
    let h: TransportHarness;
    let t: MailboxTransport | undefined;
    const readers: TransportReader[] = [];
    beforeEach(() => {
      h = harness();
    });
    afterEach(async () => {
      await Promise.all(readers.splice(0).map((r) => r.stop()));
      if (t) await h.cleanup(t);
      t = undefined;
    });

    function reader(handled: Envelope[], extra: Partial<TransportReaderOptions> = {}): TransportReader {
      const r = t!.reader({ agentId: AGENT, rescanIntervalMs: 100, handler: async (env) => void handled.push(env), ...extra });
      readers.push(r);
      return r;
    }

    it('delivers what was sent before and after the reader started, in each sender\'s order, and acks it', async () => {
      t = await h.open(['coordinator', AGENT]);
      const a = t.sender({ from: 'coordinator' });
      const b = t.sender({ from: 'w02-writing' });
      const early = [];
      for (let i = 0; i < 5; i++) early.push(await a.send(AGENT, 'message', { text: `a${i}` }));
      expect((await t.count(AGENT)).new).toBe(5);
      const handled: Envelope[] = [];
      const r = reader(handled);
      await r.start();
      for (let i = 0; i < 5; i++) {
        await a.send(AGENT, 'message', { text: `a${i + 5}` });
        await b.send(AGENT, 'message', { text: `b${i}` });
      }
      await waitFor(() => handled.length === 15, 'all 15 messages');
      const texts = (from: string) => handled.filter((e) => e.from === from).map((e) => (e.body as { text: string }).text);
      expect(texts('coordinator')).toEqual([...Array(10).keys()].map((i) => `a${i}`));
      expect(texts('w02-writing')).toEqual([...Array(5).keys()].map((i) => `b${i}`));
      expect(handled.slice(0, 5).map((e) => e.id)).toEqual(early.map((e) => e.id));
      await waitFor(async () => (await t!.count(AGENT)).cur === 15, 'every message acked');
      const listed = await t.list(AGENT, ['cur']);
      expect(listed.map((m) => m.envelope?.id).sort()).toEqual(handled.map((e) => e.id).sort());
      expect(r.stats.handled).toBe(15);
      expect(r.handledIds.size).toBe(15);
    });

    it('refuses an unknown recipient and creates no mailbox', async () => {
      t = await h.open(['coordinator']);
      const err = await t.sender({ from: 'coordinator' }).send('w09-nobody', 'message', { text: 'x' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnknownRecipientError);
      expect(await t.hasMailbox('w09-nobody')).toBe(false);
      await expect(t.list('w09-nobody')).rejects.toBeInstanceOf(UnknownRecipientError);
    });

    it('dead-letters bad messages with a reason, and carries on', async () => {
      t = await h.open(['coordinator', AGENT]);
      const sid = t.sessionId;
      await h.injectRaw(t, AGENT, '{not json');
      await h.injectRaw(t, AGENT, JSON.stringify(envelope({ id: 'othersession1', to: AGENT }, 'some-other-session')));
      await h.injectRaw(t, AGENT, JSON.stringify({ ...envelope({ id: 'badschema001', to: AGENT }, sid), type: 'nonsense' }));
      await h.injectRaw(t, AGENT, JSON.stringify(envelope({ id: 'wrongrcpt001', to: 'coordinator' }, sid)));
      const good = await t.sender({ from: 'coordinator' }).send(AGENT, 'message', { text: 'fine' });
      const boom = await t.sender({ from: 'coordinator' }).send(AGENT, 'message', { text: 'boom' });
      const handled: Envelope[] = [];
      const r = reader(handled, {
        handler: async (env) => {
          if ((env.body as { text?: string }).text === 'boom') throw new BadMessageError('handler exploded');
          handled.push(env);
        },
      });
      await r.start();
      await waitFor(async () => (await t!.count(AGENT)).dead === 5, 'five dead messages');
      expect(handled.map((e) => e.id)).toEqual([good.id]);
      const dead = await t.list(AGENT, ['dead']);
      const reasons = dead.map((d) => d.reason ?? '');
      expect(reasons.some((x) => x.startsWith('not valid JSON'))).toBe(true);
      expect(reasons.some((x) => x.includes('belongs to session some-other-session'))).toBe(true);
      expect(reasons.some((x) => x.includes('fails its schema'))).toBe(true);
      expect(reasons.some((x) => x.includes('addressed to coordinator'))).toBe(true);
      expect(reasons.some((x) => x.startsWith('handler rejected the message as bad') && x.includes('handler exploded'))).toBe(true);
      expect(dead.find((d) => d.reason?.startsWith('handler rejected'))?.envelope?.id).toBe(boom.id);
      for (const x of reasons) expect(x.split('\n')).toHaveLength(1);
      // A dead message is in dead only, not also among the acked ones.
      expect(await t.count(AGENT)).toMatchObject({ new: 0, cur: 1, dead: 5 });
    });

    it('retries a handler that throws, with backoff, holding only that sender\'s later messages, then acks it', async () => {
      t = await h.open(['coordinator', AGENT]);
      const a = t.sender({ from: 'coordinator' });
      const b = t.sender({ from: 'w02-writing' });
      await a.send(AGENT, 'message', { text: 'a0' });
      await a.send(AGENT, 'message', { text: 'a1' });
      await b.send(AGENT, 'message', { text: 'b0' });
      const calls: string[] = [];
      let failures = 0;
      const r = reader([], {
        handlerRetry: { baseDelayMs: 20, maxDelayMs: 50 },
        handler: async (env) => {
          const text = (env.body as { text: string }).text;
          calls.push(text);
          // A journal append that hits EAGAIN twice, then works.
          if (text === 'a0' && failures < 2) throw Object.assign(new Error(`EAGAIN: try again (${++failures})`), { code: 'EAGAIN' });
        },
      });
      await r.start();
      await waitFor(async () => (await t!.count(AGENT)).cur === 3, 'all three acked');
      expect(calls.filter((c) => c.startsWith('a'))).toEqual(['a0', 'a0', 'a0', 'a1']);
      // The other sender was not held up behind a0's retries.
      expect(calls.indexOf('b0')).toBeLessThan(calls.lastIndexOf('a0'));
      expect(await t.count(AGENT)).toMatchObject({ new: 0, dead: 0 });
      expect(r.stats).toMatchObject({ handled: 3, retried: 2, dead: 0 });
    });

    it('dead-letters a failing message after its last attempt, with the attempts in the reason, then goes on', async () => {
      t = await h.open(['coordinator', AGENT]);
      const a = t.sender({ from: 'coordinator' });
      const doomed = await a.send(AGENT, 'message', { text: 'doomed' });
      await a.send(AGENT, 'message', { text: 'after' });
      const calls: string[] = [];
      const r = reader([], {
        handlerRetry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 },
        handler: async (env) => {
          const text = (env.body as { text: string }).text;
          calls.push(text);
          if (text === 'doomed') throw new Error('journal append failed: EIO');
        },
      });
      await r.start();
      await waitFor(async () => calls.includes('after') && (await t!.count(AGENT)).cur === 1, 'the next message of the same sender, acked');
      expect(calls).toEqual(['doomed', 'doomed', 'doomed', 'after']);
      const dead = await t.list(AGENT, ['dead']);
      expect(dead).toHaveLength(1);
      expect(dead[0]!.envelope?.id).toBe(doomed.id);
      expect(dead[0]!.reason).toMatch(/^handler failed 3 of 3 attempts; last error: journal append failed: EIO$/);
      expect(r.stats).toMatchObject({ handled: 1, retried: 2, dead: 1 });
    });

    it('does not handle a resend with an already-handled id twice, across reader restarts', async () => {
      t = await h.open(['coordinator', AGENT]);
      const sender = t.sender({ from: 'coordinator' });
      const first: Envelope[] = [];
      const a = reader(first);
      await a.start();
      const sent = await sender.send(AGENT, 'message', { text: 'once' });
      await waitFor(() => first.length === 1, 'the first delivery');
      await waitFor(async () => (await t!.count(AGENT)).cur === 1, 'the first ack');
      await a.stop();
      await sender.send(AGENT, 'message', { text: 'once' }, { id: sent.id });
      const other = await sender.send(AGENT, 'message', { text: 'new' });
      const second: Envelope[] = [];
      const b = reader(second);
      await b.start();
      expect(b.handledIds.has(sent.id)).toBe(true);
      await waitFor(async () => second.length === 1 && (await t!.count(AGENT)).new === 0, 'the second reader to drain');
      expect(second.map((e) => e.id)).toEqual([other.id]);
      expect(b.stats).toMatchObject({ handled: 1, deduped: 1 });
    });

    it('allows one reader per mailbox; takeOverLock replaces a dead one', async () => {
      t = await h.open(['coordinator', AGENT]);
      const a = reader([]);
      await a.start();
      await expect(reader([]).start()).rejects.toBeInstanceOf(MailboxLockedError);
      const handled: Envelope[] = [];
      const b = reader(handled, { takeOverLock: true, onLockLost: () => undefined });
      // The first one's lock is now someone else's; stop it as its owner would after onLockLost.
      await a.stop();
      await b.start();
      const sent = await t.sender({ from: 'coordinator' }).send(AGENT, 'message', { text: 'after takeover' });
      await waitFor(() => handled.some((e) => e.id === sent.id), 'delivery to the new reader');
    });
  });
}
