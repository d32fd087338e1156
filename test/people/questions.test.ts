/**
 * Questions to people, with real processes and the fake Messages API: a worker's
 * ask_human, a worker's ask_coordinator that the coordinator's model hands to a person,
 * and reflect below its threshold, where the person's feedback starts another round.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { blocksReply, fakeEnv, isConsultation, isPlanning, planReply, textReply } from '../anthropic/helpers.js';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { killStartedClis, startCli, useTempRuntimes } from '../support/cli.js';
import { FAST, FINAL, cli, journal, killWorkers, openRequest, status, until } from './helpers.js';

let server: FakeAnthropicServer;
const runtime = useTempRuntimes('mailroom-people-q-', { afterEach, afterAll });
const dirs: string[] = [];
let agentsDir: string;
beforeAll(async () => {
  server = await FakeAnthropicServer.start();
  // A writer that may ask a person (a definition grants ask_human).
  agentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-people-agents-'));
  fs.writeFileSync(
    path.join(agentsDir, 'asker.md'),
    '---\nname: asker\ndescription: Writes notes, and asks a person when only they can decide.\ntools: [write_file, ask_human, ask_coordinator]\n---\nWrite what you are asked; ask a person when you must.\n',
  );
});
afterEach(() => {
  for (const d of dirs.splice(0)) killWorkers(d);
  killStartedClis();
});
afterAll(async () => {
  await server.close();
  fs.rmSync(agentsDir, { recursive: true, force: true });
});

function scriptAsker(worker: ReturnType<typeof blocksReply>[], consult?: () => ReturnType<typeof blocksReply>) {
  server.reset();
  server.respond((req) => {
    if (req.agent === 'w01-asker') return worker.shift();
    if (req.agent !== 'coordinator') return undefined;
    if (isConsultation(req)) return consult?.() ?? textReply('No action.');
    if (isPlanning(req)) return planReply([{ id: 'figures', role: 'asker' as never, description: 'Write the yearly figures note' }]);
    return textReply(FINAL);
  });
}

describe('questions to people', () => {
  it('ask_human: the question waits in the human mailbox; the answer reaches the model', async () => {
    scriptAsker([
      blocksReply([{ type: 'tool_use', id: 'toolu_q1', name: 'ask_human', input: { question: 'Which year should the figures be from?' } }], { stop_reason: 'tool_use' }),
      textReply('Used the 2025 figures.'),
    ]);
    const rt = runtime();
    const run = startCli(['--runtime-dir', rt, ...FAST, '--agents', agentsDir, 'Write the yearly figures note'], { env: fakeEnv(server) });
    const { dir, request } = await openRequest(rt);
    dirs.push(dir);
    expect(request).toMatchObject({ kind: 'question', from: 'w01-asker', summary: 'Which year should the figures be from?' });
    await until(() => status(dir) === 'waiting', 'status waiting');
    await until(() => run.stderr().includes(`mailroom answer ${path.basename(dir)} ${request.id}`), 'the answer command on stderr');
    // The wrong kind of reply is refused, naming what to do.
    const wrong = await cli(rt, ['approve', 'latest', request.id]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('is a question: answer it');
    const ok = await cli(rt, ['answer', 'latest', request.id, 'Use the 2025 figures']);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const second = server.requestsFor('w01-asker')[1]!;
    expect(JSON.stringify(second.body.messages)).toContain('Use the 2025 figures');
    const j = journal(dir);
    expect(j.find((e) => e.type === 'request')).toMatchObject({ id: request.id, kind: 'question', agent: 'w01-asker' });
    expect(j.find((e) => e.type === 'reply')).toMatchObject({ id: request.id, kind: 'answer', text: 'Use the 2025 figures' });
  }, 180_000);

  it("the coordinator's model hands an ask_coordinator it cannot answer to a person; the answer goes back to the worker", async () => {
    let consulted = 0;
    scriptAsker(
      [
        blocksReply([{ type: 'tool_use', id: 'toolu_q2', name: 'ask_coordinator', input: { question: 'May I publish the draft figures?' } }], { stop_reason: 'tool_use' }),
        textReply('Kept them private, as the person said.'),
      ],
      () => {
        consulted++;
        return blocksReply([{ type: 'tool_use', id: 'toolu_ask', name: 'ask_human', input: { question: 'A worker asks: may it publish the draft figures?' } }], { stop_reason: 'tool_use' });
      },
    );
    const rt = runtime();
    const run = startCli(['--runtime-dir', rt, ...FAST, '--agents', agentsDir, 'Write the yearly figures note'], { env: fakeEnv(server) });
    const { dir, request } = await openRequest(rt);
    dirs.push(dir);
    expect(request).toMatchObject({ kind: 'question', from: 'coordinator', agent: 'w01-asker', origin: 'consult', summary: 'A worker asks: may it publish the draft figures?' });
    // The consultation offered ask_human on a worker's question.
    const consult = server.requests.find((r) => r.agent === 'coordinator' && r.headers['x-mailroom-purpose'] === 'consult')!;
    expect((consult.body.tools as Array<{ name: string }>).map((t) => t.name)).toContain('ask_human');
    const ok = await cli(rt, ['answer', 'latest', request.id, 'No: keep them private until March']);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(consulted).toBe(1);
    const second = server.requestsFor('w01-asker')[1]!;
    expect(JSON.stringify(second.body.messages)).toContain('No: keep them private until March');
    expect(journal(dir).find((e) => e.type === 'reply')).toMatchObject({ id: request.id, kind: 'answer' });
  }, 180_000);

  it('reflect below its threshold asks a person; their feedback starts another round', async () => {
    const review = (id: string, score: number) =>
      blocksReply([{ type: 'tool_use', id, name: 'submit_review', input: { score, summary: `score ${score}`, criteria: [{ name: 'depth', score, feedback: 'needs more' }] } }], { stop_reason: 'tool_use' });
    const producer = [textReply('DRAFT ONE'), textReply('DRAFT TWO, with the summary the person wanted')];
    const reviewer = [review('toolu_r1', 0.4), review('toolu_r2', 0.9)];
    server.reset();
    server.respond((req) => (req.agent === 'w01-writing' ? producer.shift() : req.agent === 'w02-review' ? reviewer.shift() : req.agent === 'coordinator' ? textReply('No action.') : undefined));
    const rt = runtime();
    const run = startCli(['--runtime-dir', rt, ...FAST, '--pattern', 'reflect', '--threshold', '0.8', '--max-rounds', '1', 'Write a note on error handling'], { env: fakeEnv(server) });
    const { dir, request } = await openRequest(rt);
    dirs.push(dir);
    expect(request).toMatchObject({ kind: 'question', from: 'coordinator', origin: 'reflect' });
    expect(request.summary).toContain('stayed below 0.8 after 1 round');
    expect(request.context).toContain('DRAFT ONE');
    await until(() => status(dir) === 'waiting', 'status waiting');
    const ok = await cli(rt, ['answer', 'latest', request.id, 'PERSON-FEEDBACK: add a one-line summary at the top']);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('DRAFT TWO');
    expect(done.stdout).toMatch(/Accepted after 2 round\(s\): review score 0\.9/);
    // The producer's second round carries the person's feedback; the reviewer saw draft two.
    const produced = server.requestsFor('w01-writing');
    expect(produced).toHaveLength(2);
    expect(JSON.stringify(produced[1]!.body.messages)).toContain('PERSON-FEEDBACK: add a one-line summary at the top');
    expect(JSON.stringify(server.requestsFor('w02-review')[1]!.body.messages)).toContain('DRAFT TWO');
    expect(journal(dir).find((e) => e.type === 'reply')).toMatchObject({ id: request.id, kind: 'answer' });
    expect(status(dir)).toBe('completed');
  }, 180_000);

  it('a fallback with no agent left asks a person; their instructions send the subtask back to work', async () => {
    const bad = { type: 'error' as const, status: 400, message: 'bad request from the model' };
    const primary = [bad];
    const fallback = [bad, textReply('FALLBACK RESULT, done as the person said')];
    server.reset();
    server.respond((req) => {
      if (req.agent === 'w01-analysis') return primary.shift();
      if (req.agent === 'w02-research') return fallback.shift();
      if (req.agent !== 'coordinator') return undefined;
      if (isConsultation(req)) return textReply('No action.');
      if (isPlanning(req)) return { type: 'message', content: [{ type: 'tool_use', id: 'toolu_plan', name: 'plan_subtasks', input: { subtasks: [{ id: 'numbers', role: 'analysis', description: 'Crunch the numbers', fallbackRole: 'research' }], failurePolicy: 'all' } }] };
      return textReply(FINAL);
    });
    const rt = runtime();
    const run = startCli(['--runtime-dir', rt, ...FAST, '--attempts', '1', 'Crunch the numbers'], { env: fakeEnv(server) });
    const { dir, request } = await openRequest(rt);
    dirs.push(dir);
    expect(request).toMatchObject({ kind: 'question', from: 'coordinator', origin: 'route', subtask: 'numbers' });
    expect(request.summary).toContain('no agent is left');
    const ok = await cli(rt, ['answer', 'latest', request.id, 'INSTRUCTIONS-9: use only the 2025 rows']);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const j = journal(dir);
    expect(j.find((e) => e.type === 'requeue')).toMatchObject({ subtask: 'numbers' });
    expect(j.find((e) => e.type === 'result')).toMatchObject({ subtask: 'numbers', agent: 'w02-research' });
    expect(JSON.stringify(server.requestsFor('w02-research')[1]!.body.messages)).toContain('INSTRUCTIONS-9: use only the 2025 rows');
  }, 180_000);

  it('with --no-human, a fallback with no agent left fails as before, and nobody is asked', async () => {
    const bad = { type: 'error' as const, status: 400, message: 'bad request from the model' };
    server.reset();
    server.respond((req) => {
      if (req.agent === 'w01-analysis' || req.agent === 'w02-research') return bad;
      if (req.agent !== 'coordinator') return undefined;
      if (isConsultation(req)) return textReply('No action.');
      if (isPlanning(req)) return { type: 'message', content: [{ type: 'tool_use', id: 'toolu_plan', name: 'plan_subtasks', input: { subtasks: [{ id: 'numbers', role: 'analysis', description: 'Crunch the numbers', fallbackRole: 'research' }], failurePolicy: 'all' } }] };
      return textReply(FINAL);
    });
    const rt = runtime();
    const done = await startCli(['--runtime-dir', rt, ...FAST, '--attempts', '1', '--no-human', 'Crunch the numbers'], { env: fakeEnv(server) }).done;
    expect(done.code).toBe(1);
    const dir = path.join(rt, 'sessions', fs.readdirSync(path.join(rt, 'sessions'))[0]!);
    expect(journal(dir).filter((e) => e.type === 'request')).toEqual([]);
    expect(status(dir)).toBe('failed');
  }, 180_000);
});
