/**
 * Issue 18, item 1, seen from a person: on the redis transport the coordinator and the
 * workers use the transport directly, so a worker on a worker host asks for approval
 * through its session's streams, the request is filed where people answer (the
 * coordinator's machine), and `mailroom approve --redis` sends the reply into the worker's
 * stream. No Maildir carries any of it: the worker's local mailbox folders stay empty on
 * both machines. Loopback: a real redis-server, a real worker-host daemon, the real CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withRedisTransport } from '../../src/inspect/remote.js';
import { aliveKey } from '../../src/worker-host/protocol.js';
import { listRequests, type StoredRequest } from '../../src/people/store.js';
import { startViewer } from '../../src/ui/server.js';
import { onlySession, runCli, startCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, toolReply, waitFor, writeScript } from '../support/script.js';
import { hasRedisServer, useRedisServer } from '../support/redis.js';

const WRITE = { path: 'NOTES.md', content: 'approved across machines\n' };

/** Message files in an agent's Maildir folders (none when the folder is absent). */
function maildirFiles(sessionDir: string, agent: string): string[] {
  const box = path.join(sessionDir, 'agents', agent, 'mailbox');
  return ['new', 'cur', 'dead'].flatMap((f) => (fs.existsSync(path.join(box, f)) ? fs.readdirSync(path.join(box, f)).filter((n) => n.endsWith('.json')) : []));
}

/** One writing subtask whose worker calls write_file, then reports; the coordinator plans and synthesizes. */
function writerScript(dir: string): string {
  const plan = { subtasks: [{ id: 'notes', role: 'writing' as const, description: 'Write the notes', dependsOn: [] }], failurePolicy: 'all' as const };
  return writeScript(dir, {
    agents: { coordinator: [planReply(plan), textReply('SYNTHESIS')], 'w01-writing': [toolReply('write_file', WRITE), textReply('WROTE NOTES')] } as never,
  });
}

/** What the viewer's session payload says of the worker's timeline: the kinds of its marks. */
type Payload = { timeline: { lanes: Array<{ agent: string; bars: Array<{ marks: Array<{ kind: string }> }> }> } };
const marksOf = (p: Payload) => p.timeline.lanes.find((l) => l.agent === 'w01-writing')?.bars.flatMap((b) => b.marks.map((m) => m.kind)) ?? [];

/** A one-subtask session on worker host `hostName` whose writer's write_file needs approval. */
async function startRemoteWriter(redisUrl: string, coordRt: string, hostRt: string, hostName: string, extra: string[] = []) {
  const script = writerScript(coordRt);
  const host = startCli(['worker-host', '--redis', redisUrl, '--slots', '2', '--name', hostName, '--runtime-dir', hostRt]);
  await waitFor(() => host.stderr().includes(`worker host ${hostName}`), 60_000, 'the host to start');
  const coord = startCli(['--runtime-dir', coordRt, '--script', script, '--no-live', '--transport', 'redis', '--redis', redisUrl, '--require-approval', 'write_file', ...extra, 'task']);
  await waitFor(() => fs.existsSync(path.join(coordRt, 'sessions')) && fs.readdirSync(path.join(coordRt, 'sessions')).length === 1, 60_000, 'the session folder');
  const dir = onlySession(coordRt);
  let request: StoredRequest | undefined;
  for (const deadline = Date.now() + 120_000; !request && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) request = (await listRequests(dir))[0];
  if (!request) throw new Error(`no approval request on the coordinator's machine; coordinator stderr: ${coord.stderr()}`);
  return { host, coord, dir, sid: path.basename(dir), request, hostCopy: path.join(hostRt, 'hosts', hostName, 'sessions', path.basename(dir)) };
}

describe.skipIf(!hasRedisServer())('people in the loop for a worker on a worker host', { timeout: 240_000 }, () => {
  const redis = useRedisServer({ password: 'people-secret' });
  const dirs = redis.dirs;

  it('the request reaches the coordinator\'s machine, approve --redis reaches the worker, and no Maildir carries mail', async () => {
    const coordRt = tempRuntime('mailroom-people-coord-');
    const hostRt = tempRuntime('mailroom-people-host-');
    dirs.push(coordRt, hostRt);
    const { host, coord, dir, sid, request, hostCopy } = await startRemoteWriter(redis.server.url, coordRt, hostRt, 'p1');
    // The worker on p1 asked; its request is filed in agents/human/ here.
    expect(request).toMatchObject({ kind: 'approval', tool: 'write_file', agent: 'w01-writing', from: 'w01-writing' });
    expect(fs.existsSync(path.join(hostCopy, 'workspace', 'NOTES.md'))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'session.json'), 'utf8'))).toMatchObject({ transport: 'redis' });

    // The mailboxes are streams: without Redis, inbox says so instead of showing empty folders.
    const blind = await runCli(['inbox', sid, 'coordinator', '--runtime-dir', coordRt], { env: { ...process.env, MAILROOM_REDIS_URL: '' } });
    expect(blind.code).toBe(2);
    expect(blind.stderr).toContain('runs on the redis transport');
    // Nor can a reply be sent without it (nothing is claimed: the request stays open).
    const noUrl = await runCli(['approve', sid, request.id, '--runtime-dir', coordRt], { env: { ...process.env, MAILROOM_REDIS_URL: '' } });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--redis');
    expect((await listRequests(dir))[0]?.reply).toBeUndefined();

    const ok = await runCli(['approve', sid, request.id, '--note', 'go ahead', '--runtime-dir', coordRt, '--redis', redis.server.url]);
    expect(ok.code, ok.stderr).toBe(0);
    const done = await coord.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('SYNTHESIS');
    expect(fs.readFileSync(path.join(hostCopy, 'workspace', 'NOTES.md'), 'utf8')).toBe(WRITE.content);
    const j = journalOf(dir);
    expect(j.find((e) => e.type === 'spawn')).toMatchObject({ agent: 'w01-writing', host: 'p1' });
    expect(j.find((e) => e.type === 'reply')).toMatchObject({ id: request.id, kind: 'approval', text: 'go ahead' });
    expect(j.find((e) => e.type === 'result')).toMatchObject({ output: 'WROTE NOTES' });

    // The reply went into the worker's stream, from human, linked to the request.
    const workerMail = await withRedisTransport(redis.server.url, sid, (t) => t.list('w01-writing', ['cur', 'new']));
    expect(workerMail.map((m) => m.envelope?.type)).toEqual(expect.arrayContaining(['assign', 'approval']));
    expect(workerMail.find((m) => m.envelope?.type === 'approval')?.envelope).toMatchObject({ from: 'human', replyTo: request.id });
    const coordMail = await withRedisTransport(redis.server.url, sid, (t) => t.list('coordinator', ['cur']));
    expect(coordMail.map((m) => m.envelope?.type)).toEqual(expect.arrayContaining(['started', 'result']));
    const shown = await runCli(['inbox', sid, 'w01-writing', '--runtime-dir', coordRt, '--redis', redis.server.url]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('approval');
    // No Maildir carried the session's mail, on either machine.
    expect(maildirFiles(dir, 'w01-writing')).toEqual([]);
    expect(maildirFiles(dir, 'coordinator')).toEqual([]);
    expect(maildirFiles(hostCopy, 'w01-writing')).toEqual([]);
    expect(maildirFiles(hostCopy, 'coordinator')).toEqual([]);

    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });

  it('the viewer started with --redis shows the stream-borne progress and approves from the page\'s endpoint', async () => {
    const coordRt = tempRuntime('mailroom-people-ui-coord-');
    const hostRt = tempRuntime('mailroom-people-ui-host-');
    dirs.push(coordRt, hostRt);
    const { host, coord, sid, request, hostCopy } = await startRemoteWriter(redis.server.url, coordRt, hostRt, 'p2');
    const viewer = await startViewer({ runtimeDir: coordRt, port: 0, redisUrl: redis.server.url });
    const blindViewer = await startViewer({ runtimeDir: coordRt, port: 0 });
    try {
      const headers = { 'content-type': 'application/json', 'x-mailroom-token': viewer.token };
      const before = (await (await fetch(`${viewer.origin}/api/sessions/${sid}`, { headers })).json()) as { requests: Array<{ id: string; reply?: unknown }> };
      expect(before.requests).toEqual([expect.objectContaining({ id: request.id })]);
      const res = await fetch(`${viewer.origin}/api/sessions/${sid}/actions`, { method: 'POST', headers, body: JSON.stringify({ action: 'approve', request: request.id, note: 'from the page' }) });
      expect(res.status, await res.clone().text()).toBe(200);
      const done = await coord.done;
      expect(done.code, done.stderr).toBe(0);
      expect(fs.readFileSync(path.join(hostCopy, 'workspace', 'NOTES.md'), 'utf8')).toBe(WRITE.content);
      // The worker's progress turn is a message in the coordinator's stream: the viewer with
      // Redis puts it on the timeline; one without it cannot see the stream.
      const seen = (await (await fetch(`${viewer.origin}/api/sessions/${sid}`, { headers })).json()) as Payload;
      expect(marksOf(seen)).toContain('progress');
      const blind = (await (await fetch(`${blindViewer.origin}/api/sessions/${sid}`, { headers: { 'x-mailroom-token': blindViewer.token } })).json()) as Payload;
      expect(marksOf(blind)).not.toContain('progress');
    } finally {
      await viewer.close();
      await blindViewer.close();
    }
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });

  it('a respawned remote worker takes a reply given while no attempt ran (its stream is the only copy it sees)', async () => {
    const coordRt = tempRuntime('mailroom-people-re-coord-');
    const hostRt = tempRuntime('mailroom-people-re-host-');
    dirs.push(coordRt, hostRt);
    const { host, coord, dir, sid, request, hostCopy } = await startRemoteWriter(redis.server.url, coordRt, hostRt, 'p3', ['--heartbeat-ms', '300', '--heartbeat-misses', '3']);
    const alive = await redis.client.get(aliveKey(sid, 'w01-writing'));
    expect(alive).toMatch(/^p3 \d+ 1$/);
    const pid = Number(alive!.split(' ')[1]);
    // The host freezes and its waiting worker dies: the coordinator sees the attempt lost
    // once the alive key expires, and hands attempt 2 to a host that cannot take it yet.
    host.child.kill('SIGSTOP');
    try {
      process.kill(pid, 'SIGKILL');
      await waitFor(() => journalOf(dir).some((e) => e.type === 'failure' && e.agent === 'w01-writing' && e.attempt === 1), 60_000, 'attempt 1 judged lost');
      // The person approves now: the reply waits in the worker's stream, read by attempt 2's
      // reader before that attempt knows its assignment.
      const ok = await runCli(['approve', sid, request.id, '--runtime-dir', coordRt, '--redis', redis.server.url]);
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      host.child.kill('SIGCONT');
    }
    const done = await coord.done;
    expect(done.code, done.stderr).toBe(0);
    // On a failure, say what the attempts did: this case has failed under a loaded full suite.
    const notes = path.join(hostCopy, 'workspace', 'NOTES.md');
    const transcript = path.join(hostCopy, 'agents', 'w01-writing', 'transcript.jsonl');
    const story = () => `journal: ${JSON.stringify(journalOf(dir).map((e) => ({ type: e.type, ...('attempt' in e ? { attempt: e.attempt } : {}), ...('code' in e ? { code: e.code } : {}) })))}; host transcript: ${fs.existsSync(transcript) ? fs.readFileSync(transcript, 'utf8') : '(none)'}`;
    expect(fs.existsSync(notes), story()).toBe(true);
    expect(fs.readFileSync(notes, 'utf8')).toBe(WRITE.content);
    const j = journalOf(dir);
    expect(j.find((e) => e.type === 'result'), story()).toMatchObject({ agent: 'w01-writing', attempt: 2, output: 'WROTE NOTES' });
    // Asked once: attempt 2 found the reply instead of asking again.
    expect(j.filter((e) => e.type === 'request')).toHaveLength(1);
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
  });

  it('a viewer started with --redis still reads a local session from its folder', async () => {
    const rt = tempRuntime('mailroom-people-ui-local-');
    dirs.push(rt);
    const script = writerScript(rt);
    const run = await runCli(['--runtime-dir', rt, '--script', script, '--no-live', 'task']);
    expect(run.code, run.stderr).toBe(0);
    const sid = path.basename(onlySession(rt));
    const viewer = await startViewer({ runtimeDir: rt, port: 0, redisUrl: redis.server.url });
    try {
      const got = (await (await fetch(`${viewer.origin}/api/sessions/${sid}`, { headers: { 'x-mailroom-token': viewer.token } })).json()) as Payload;
      // The worker's progress turn is in the coordinator's Maildir, not in any stream.
      expect(marksOf(got)).toContain('progress');
    } finally {
      await viewer.close();
    }
  });
});
