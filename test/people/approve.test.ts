/**
 * Tool approval through the mailbox, with real processes and the fake Messages API: a
 * write waits for a person; `mailroom approve` lets it run; `deny --reason` gives the
 * model the reason as the tool's error; a second reply is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { killStartedClis, readJson, useTempRuntimes } from '../support/cli.js';
import { listRequests } from '../../src/people/store.js';
import { FINAL, WRITE_CALL, cli, journal, killWorkers, openRequest, scriptWriter, startSession, status, until } from './helpers.js';

let server: FakeAnthropicServer;
const runtime = useTempRuntimes('mailroom-people-', { afterEach, afterAll });
const dirs: string[] = [];
beforeAll(async () => {
  server = await FakeAnthropicServer.start();
});
afterEach(() => {
  for (const d of dirs.splice(0)) killWorkers(d);
  killStartedClis();
});
afterAll(async () => {
  await server.close();
});

describe('tool approval', () => {
  it('approve while running: the write waits, the session shows waiting, approve lets the worker go on', async () => {
    scriptWriter(server);
    const rt = runtime();
    const run = startSession(server, rt, ['--require-approval', 'write_file,edit_file']);
    const { dir, request } = await openRequest(rt);
    dirs.push(dir);
    expect(request).toMatchObject({ kind: 'approval', tool: 'write_file', agent: 'w01-writing', input: WRITE_CALL.input });
    expect(request.summary).toContain('write_file(path="CHANGELOG.md"');
    // Nothing was written before the person said so.
    expect(fs.existsSync(path.join(dir, 'workspace', 'CHANGELOG.md'))).toBe(false);
    await until(() => status(dir) === 'waiting', 'session.json status waiting');
    await until(() => run.stderr().includes(`mailroom approve ${path.basename(dir)} ${request.id}`), 'the approve command on stderr');

    const pending = await cli(rt, ['pending', '--json']);
    expect(pending.code, pending.stderr).toBe(0);
    const listed = JSON.parse(pending.stdout) as Array<{ id: string; session: string; kind: string; tool: string; ageMs: number }>;
    expect(listed).toEqual([expect.objectContaining({ id: request.id, session: path.basename(dir), kind: 'approval', tool: 'write_file' })]);

    // A file in the human mailbox that is no request is not lost: the coordinator moves it
    // to dead/ with the reason, and the real request stays open.
    const humanBox = path.join(dir, 'agents', 'human', 'mailbox');
    fs.writeFileSync(path.join(humanBox, 'new', '9999999999999-junk.json'), '{"not": "an envelope"');
    await until(() => fs.existsSync(path.join(humanBox, 'dead', '9999999999999-junk.json')), 'the junk file in dead/');
    expect(fs.readFileSync(path.join(humanBox, 'dead', '9999999999999-junk.json.reason.txt'), 'utf8')).toMatch(/not valid JSON/);
    expect((await listRequests(dir)).map((r) => r.id)).toEqual([request.id]);

    const ok = await cli(rt, ['approve', 'latest', request.id, '--note', 'fine by me']);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe(FINAL);
    expect(fs.readFileSync(path.join(dir, 'workspace', 'CHANGELOG.md'), 'utf8')).toBe(WRITE_CALL.input.content);
    // Journaled: the request and the approval, and the session completed.
    const j = journal(dir);
    expect(j.find((e) => e.type === 'request')).toMatchObject({ id: request.id, kind: 'approval', agent: 'w01-writing', tool: 'write_file' });
    expect(j.find((e) => e.type === 'reply')).toMatchObject({ id: request.id, kind: 'approval', text: 'fine by me' });
    expect(status(dir)).toBe('completed');
    // The reply crossed the mailbox: from human to the worker, linked by replyTo.
    const box = path.join(dir, 'agents', 'w01-writing', 'mailbox', 'cur');
    const reply = fs.readdirSync(box).map((n) => readJson<{ type: string; from: string; replyTo?: string }>(path.join(box, n))).find((m) => m.type === 'approval');
    expect(reply).toMatchObject({ from: 'human', replyTo: request.id });
    // The worker's second model call saw the tool's real result.
    const second = server.requestsFor('w01-writing')[1]!;
    expect(JSON.stringify(second.body.messages)).toContain('bytes to CHANGELOG.md');
    expect(server.requestsFor('w01-writing')).toHaveLength(2);
    expect(await listRequests(dir)).toEqual([expect.objectContaining({ id: request.id, reply: expect.objectContaining({ kind: 'approval' }) })]);
  }, 180_000);

  it("deny: the reason is in the model's next request as the tool's error, and a second reply is refused", async () => {
    scriptWriter(server);
    const rt = runtime();
    const run = startSession(server, rt, ['--require-approval', 'write_*']);
    const { dir, request } = await openRequest(rt);
    dirs.push(dir);
    const no = await cli(rt, ['deny', path.basename(dir), request.id, '--reason', 'REASON-42: the changelog is frozen this week']);
    expect(no.code, no.stderr).toBe(0);
    // A second answer to the same request: refused, nothing sent, a non-zero exit (1).
    const again = await cli(rt, ['approve', 'latest', request.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`request ${request.id} was already answered (denial`);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'workspace', 'CHANGELOG.md'))).toBe(false);
    const second = server.requestsFor('w01-writing')[1]!;
    const last = (second.body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>).at(-1)!;
    expect(last.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: WRITE_CALL.id, is_error: true });
    expect(JSON.stringify(last.content[0]!.content)).toContain('REASON-42: the changelog is frozen this week');
    const replies = journal(dir).filter((e) => e.type === 'reply');
    expect(replies).toEqual([expect.objectContaining({ id: request.id, kind: 'denial' })]);
    // Only one reply ever reached the worker.
    const box = path.join(dir, 'agents', 'w01-writing', 'mailbox', 'cur');
    expect(fs.readdirSync(box).filter((n) => n.includes(`re-${request.id}`))).toHaveLength(1);
    // An unknown request is a bad reference: exit 2.
    const unknown = await cli(rt, ['approve', 'latest', 'ffffff']);
    expect(unknown.code).toBe(2);
  }, 180_000);

  it('a timeout counts as a denial, recorded like a person\'s', async () => {
    scriptWriter(server);
    const rt = runtime();
    const run = startSession(server, rt, ['--require-approval', 'all', '--approval-timeout', '1500']);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    const { dir } = await until(async () => ({ dir: path.join(rt, 'sessions', fs.readdirSync(path.join(rt, 'sessions'))[0]!) }), 'the session');
    dirs.push(dir);
    const [request] = await listRequests(dir);
    expect(request!.reply).toMatchObject({ kind: 'denial' });
    expect(request!.reply!.text).toContain('--approval-timeout');
    const second = server.requestsFor('w01-writing')[1]!;
    expect(JSON.stringify(second.body.messages)).toContain('counts as a denial');
    expect(journal(dir).find((e) => e.type === 'reply')).toMatchObject({ id: request!.id, kind: 'denial' });
    expect(fs.existsSync(path.join(dir, 'workspace', 'CHANGELOG.md'))).toBe(false);
  }, 180_000);

  it('--approve-all switches approval off, whatever else asks for it', async () => {
    scriptWriter(server);
    const rt = runtime();
    const done = await startSession(server, rt, ['--require-approval', 'all', '--approve-all']).done;
    expect(done.code, done.stderr).toBe(0);
    const dir = path.join(rt, 'sessions', fs.readdirSync(path.join(rt, 'sessions'))[0]!);
    expect(await listRequests(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'workspace', 'CHANGELOG.md'))).toBe(true);
  }, 180_000);
});
