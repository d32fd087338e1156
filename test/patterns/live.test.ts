/**
 * Live coordination, through the real SDK against the fake Messages API: a worker asks the
 * coordinator a question; the coordinator's model answers with send_message; the answer is
 * in that worker's very next model request.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { fakeEnv, planReply, textReply, blocksReply } from '../anthropic/helpers.js';
import { killStartedClis, onlySession, runCli, tempRuntime } from '../support/cli.js';
import { journalOf } from '../support/script.js';
import { mailbox } from '../support/session-files.js';

let server: FakeAnthropicServer;
const runtimes: string[] = [];
beforeAll(async () => {
  server = await FakeAnthropicServer.start();
});
afterEach(() => killStartedClis());
afterAll(async () => {
  await server.close();
  for (const r of runtimes) fs.rmSync(r, { recursive: true, force: true });
});

describe('live coordination', () => {
  it("delivers the coordinator model's message to a running worker before its next model call", async () => {
    const rt = tempRuntime('mailroom-live-');
    runtimes.push(rt);
    const worker = [
      blocksReply([{ type: 'tool_use', id: 'toolu_ask', name: 'ask_coordinator', input: { question: 'Which database should I cover?' } }], { stop_reason: 'tool_use' }),
      textReply('Covered PostgreSQL as told.'),
    ];
    server.respond((req) => {
      const body = JSON.stringify(req.body);
      if (req.agent === 'w01-research') return worker.shift();
      if (req.agent !== 'coordinator') return undefined;
      if (req.body?.tool_choice?.name === 'plan_subtasks') return planReply([{ id: 'db', role: 'research', description: 'Survey database error handling' }]);
      if (body.includes('<event kind=\\"question\\"')) {
        return blocksReply([{ type: 'tool_use', id: 'toolu_msg', name: 'send_message', input: { agent: 'w01-research', text: 'Cover PostgreSQL only.' } }], { stop_reason: 'tool_use' });
      }
      return textReply('FINAL ANSWER');
    });
    const run = await runCli(['--runtime-dir', rt, '--no-server-tools', 'Survey database error handling'], { env: fakeEnv(server) });
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    // The worker's second request (its next turn) carries the coordinator's message.
    const workerRequests = server.requestsFor('w01-research');
    expect(workerRequests).toHaveLength(2);
    expect(JSON.stringify(workerRequests[1]!.body.messages)).toContain('Cover PostgreSQL only.');
    expect(JSON.stringify(workerRequests[0]!.body.messages)).not.toContain('Cover PostgreSQL only.');
    // It crossed the mailboxes: a question to the coordinator, a reply to the worker.
    const question = mailbox(dir, 'coordinator').find((m) => m.type === 'question')!;
    expect(question.body.question).toBe('Which database should I cover?');
    const reply = mailbox(dir, 'w01-research').find((m) => m.type === 'message')!;
    expect(reply).toMatchObject({ from: 'coordinator', replyTo: question.id, body: { text: 'Cover PostgreSQL only.' } });
    expect(journalOf(dir).some((e) => e.type === 'decision' && e.what === 'send_message')).toBe(true);
    // The consultation offered coordination tools only.
    const consult = server.requests.find((r) => r.agent === 'coordinator' && JSON.stringify(r.body).includes('<event kind='))!;
    // ask_human too: on a worker's question it may hand the question to a person.
    expect((consult.body.tools as Array<{ name: string }>).map((t) => t.name).sort()).toEqual(['ask_human', 'send_message', 'spawn_worker', 'terminate_worker']);
  });

  it('answers eleven questions of one worker without piling listeners on its abort signal', async () => {
    const rt = tempRuntime('mailroom-live-many-');
    runtimes.push(rt);
    const questions = 11;
    const worker = [
      ...Array.from({ length: questions }, (_, i) => blocksReply([{ type: 'tool_use', id: `toolu_ask${i}`, name: 'ask_coordinator', input: { question: `Question ${i}?` } }], { stop_reason: 'tool_use' })),
      textReply('All answered.'),
    ];
    server.respond((req) => {
      if (req.agent === 'w01-research') return worker.shift();
      if (req.agent !== 'coordinator') return undefined;
      if (req.body?.tool_choice?.name === 'plan_subtasks') return planReply([{ id: 'q', role: 'research', description: 'Ask many questions' }]);
      if (JSON.stringify(req.body).includes('<event kind=\\"question\\"')) {
        return blocksReply([{ type: 'tool_use', id: 'toolu_msg', name: 'send_message', input: { agent: 'w01-research', text: 'Answer.' } }], { stop_reason: 'tool_use' });
      }
      return textReply('FINAL ANSWER');
    });
    const run = await runCli(['--runtime-dir', rt, '--no-server-tools', 'Ask many questions'], { env: fakeEnv(server) });
    expect(run.code, run.stderr).toBe(0);
    const dir = onlySession(rt);
    expect(mailbox(dir, 'coordinator').filter((m) => m.type === 'question')).toHaveLength(questions);
    // Each answered question left its abort listener on the attempt's signal: the eleventh
    // passed Node's limit of 10, and Node printed a warning on the worker's stderr.
    expect(fs.readFileSync(path.join(dir, 'agents', 'w01-research', 'stderr.log'), 'utf8')).not.toContain('MaxListenersExceededWarning');
  });
});
