/**
 * A warm spare's rehearsal: while it idles, it runs once, on made-up data and with no
 * effect outside this process, the code its hand-over will run for the first time: the
 * agent record's schema, an `assign` envelope as its reader checks one, a `started`
 * envelope as its sender builds and serializes one and sends it (to a mailbox that does not
 * exist, so the send stops at its first file call), an abort signal with a listener. The first run of that code is what
 * costs: V8 compiles each function lazily on its first call, and zod compiles an object
 * schema's parser on its first parse. Rehearsed, the hand-over pays for neither (bench 4).
 * Nothing here reads the real assignment, writes a file or delivers a message.
 */
import { buildEnvelope, checkEnvelopeText, serializeEnvelope } from '../mailbox/envelope-check.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../mailbox/maildir.js';
import { MailboxSender } from '../mailbox/send.js';
import { COORDINATOR_ID } from '../session/layout.js';
import type { SessionRecord } from '../session/records.js';
import { readAgentRecord } from '../session/store.js';

/** The made-up recipient of the rehearsed send; no session has an agent of that name. */
export const REHEARSAL_RECIPIENT = 'rehearsal-no-mailbox';

/** Runs the rehearsal; resolves when done. Never throws: a failed rehearsal only costs speed. */
export async function rehearseHandOver(sessionDir: string, spareId: string, session: SessionRecord): Promise<void> {
  try {
    // The spare's own agent.json, read as runWorker will read the agent's.
    await readAgentRecord(sessionDir, spareId);
  } catch {
    // None (a spare started by hand): the envelopes below are still worth rehearsing.
  }
  try {
    const subtask = { id: 'rehearsal', role: 'rehearsal', description: 'a made-up subtask; never run' };
    const assign = buildEnvelope({
      sessionId: session.id,
      from: COORDINATOR_ID,
      to: spareId,
      type: 'assign',
      body: { subtask, inputs: [], attempt: 1, limits: session.options.limits, continueFromTranscript: false },
      seq: 0,
      sentAt: Date.now(),
      epoch: session.epoch,
      opts: { id: 'rehearsal-assign' },
    });
    checkEnvelopeText(serializeEnvelope(assign, DEFAULT_MAX_MESSAGE_BYTES, true), { sessionId: session.id, agentId: spareId, maxBytes: DEFAULT_MAX_MESSAGE_BYTES, minEpoch: session.epoch });
    const started = buildEnvelope({
      sessionId: session.id,
      from: spareId,
      to: COORDINATOR_ID,
      type: 'started',
      body: { pid: process.pid, attempt: 1, subtask: subtask.id },
      seq: 0,
      sentAt: Date.now(),
      opts: {},
    });
    serializeEnvelope(started, DEFAULT_MAX_MESSAGE_BYTES, true);
    // The send itself, to an agent that has no mailbox: it fails on its first file call
    // (tmp/ is not there), so nothing is written, and no clock file is kept.
    await new MailboxSender({ sessionDir, sessionId: session.id, from: spareId, clockFile: null })
      .send(REHEARSAL_RECIPIENT, 'started', { pid: process.pid, attempt: 1, subtask: subtask.id })
      .catch(() => undefined);
    // runWorker's abort signal: Node's EventTarget code runs for the first time otherwise.
    const abort = new AbortController();
    abort.signal.addEventListener('abort', () => undefined);
    abort.abort();
  } catch {
    // Made-up data that a future schema refuses: the hand-over still works, only colder.
  }
}
