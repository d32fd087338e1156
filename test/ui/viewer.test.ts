/**
 * The session viewer in a real Chromium, on real sessions: one made by the offline model,
 * one scripted with a failure and a retry (and a fetched page carrying a <script>), and
 * one started after the page opened, stopped from the page. Every check reads the page.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWorkerProcesses } from '../../src/engine/process/procscan.js';
import { MailboxReader, messageFileName } from '../../src/mailbox/index.js';
import { startViewer, type Viewer } from '../../src/ui/server.js';
import { SAMPLE_PROJECT, killStartedClis, readJsonl, runCli, startCli, tempRuntime } from '../support/cli.js';
import { journalOf, planReply, textReply, toolReply, waitFor, writeScript } from '../support/script.js';
import { launchBrowser, screenshot, type TestBrowser } from './browser.js';

const runtime = tempRuntime('mailroom-ui-');
const source = tempRuntime('mailroom-ui-src-');
const sessionsRoot = path.join(runtime, 'sessions');
let viewer: Viewer;
let browser: TestBrowser;
let offlineId: string;
let scriptedId: string;
const liveDirs: string[] = [];

const EVIL = '<script>window.__pwned = 1</script><b>bold?</b>';

/** Session ids under the runtime dir, oldest first. */
const ids = () => (fs.existsSync(sessionsRoot) ? fs.readdirSync(sessionsRoot).sort() : []);

async function offlineSession(): Promise<string> {
  const before = new Set(ids());
  const run = await runCli(['--runtime-dir', runtime, '--source', SAMPLE_PROJECT, '--offline', 'Find how errors are handled and find how logging is done, then write a short report']);
  expect(run.code, run.stderr).toBe(0);
  const id = ids().find((i) => !before.has(i))!;
  // A bad file arrives in a worker's mailbox; a real reader moves it to dead/ with its reason.
  const dir = path.join(sessionsRoot, id);
  const box = path.join(dir, 'agents', 'w02-research', 'mailbox');
  fs.writeFileSync(path.join(box, 'new', messageFileName(Date.now(), 0, 'junk')), 'this is not json');
  const reader = new MailboxReader({ sessionDir: dir, sessionId: id, agentId: 'w02-research', takeOverLock: true, watch: false, handler: async () => undefined });
  await reader.start();
  await waitFor(() => fs.readdirSync(path.join(box, 'new')).length === 0, 10_000, 'the junk file to be moved');
  await reader.stop();
  return id;
}

async function scriptedSession(): Promise<string> {
  fs.writeFileSync(path.join(source, 'evil.html'), EVIL);
  const dir = fs.mkdtempSync(path.join(source, 'script-'));
  const script = writeScript(dir, {
    agents: {
      coordinator: [
        planReply({
          subtasks: [
            { id: 'alpha', role: 'research', description: 'Research alpha', dependsOn: [] },
            { id: 'beta', role: 'research', description: 'Read the fetched page', dependsOn: [] },
            { id: 'gamma', role: 'writing', description: 'Write up alpha and beta', dependsOn: ['alpha', 'beta'] },
            { id: 'delta', role: 'analysis', description: 'Crunch the numbers', dependsOn: [], fallbackRole: 'research' },
          ],
          failurePolicy: 'all',
        }),
        textReply('# Final\n\nAlpha and **beta**, written up.\n\n<script>window.__pwnedMd = 1</script>'),
      ],
      // The first attempt fails with a transient model error; the retry succeeds.
      'w01-research': [{ error: { status: 500, message: 'the model had a bad moment' } }, textReply('ALPHA FOUND')],
      'w02-research': [toolReply('read_file', { path: 'evil.html' }), textReply('BETA READ')],
      'w03-writing': [textReply('GAMMA WRITTEN')],
      // Fails for good (both attempts), so its fallback role takes the subtask over.
      'w04-analysis': [{ error: { status: 400, message: 'bad request from the model' }, repeat: true }],
      'w05-research': [textReply('DELTA BY THE FALLBACK')],
    },
  });
  const before = new Set(ids());
  const run = await runCli(['--runtime-dir', runtime, '--source', source, '--script', script, '--no-live', '--attempts', '2', 'a scripted task with a retry']);
  expect(run.code, run.stderr).toBe(0);
  const id = ids().find((i) => !before.has(i))!;
  // A request to a person, as the human-in-the-loop work will write it (agents/human/).
  const human = path.join(sessionsRoot, id, 'agents', 'human', 'mailbox');
  for (const f of ['tmp', 'new', 'cur', 'dead']) fs.mkdirSync(path.join(human, f), { recursive: true });
  const request = { v: 1, id: 'req-1', session: id, from: 'w02-research', to: 'human', type: 'approval', seq: 1, sentAt: Date.now(), body: { tool: 'write_file', why: 'may I write the report?' } };
  fs.writeFileSync(path.join(human, 'new', messageFileName(request.sentAt, 1, 'req-1')), JSON.stringify(request));
  return id;
}

beforeAll(async () => {
  // One after the other: two sessions at once would only race for the same two cores.
  offlineId = await offlineSession();
  scriptedId = await scriptedSession();
  viewer = await startViewer({ runtimeDir: runtime, port: 0 });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  killStartedClis();
  for (const dir of liveDirs) for (const pid of findWorkerProcesses(dir).values()) process.kill(pid, 'SIGKILL');
  fs.rmSync(runtime, { recursive: true, force: true });
  fs.rmSync(source, { recursive: true, force: true });
});

async function open(hash = ''): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${viewer.url}${hash}`);
  return page;
}

/** Raw GET, so the path reaches the server exactly as written (no client-side normalising). */
function rawGet(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: viewer.port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the viewer on finished sessions', () => {
  it('lists the sessions with status, task, agents and pattern, and filters by status', async () => {
    const page = await open();
    const rows = page.locator('[data-testid=session-row]');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2);
    const offline = page.locator(`[data-testid=session-row][data-session="${offlineId}"]`);
    await expect.poll(() => offline.innerText()).toMatch(/completed[\s\S]*Find how errors are handled[\s\S]*coordinator[\s\S]*\b5\b/);
    await expect.poll(() => page.locator(`[data-testid=session-row][data-session="${scriptedId}"]`).innerText()).toMatch(/a scripted task with a retry/);
    await screenshot(page, 'list');
    await page.click('[data-testid=filter-completed]');
    await expect.poll(() => page.locator('[data-testid=session-row][data-status=completed]').count()).toBe(2);
    await page.close();
  });

  it('shows the plan as a laid-out graph: one node per subtask, one edge per dependency; a retry is visible', async () => {
    const plan = JSON.parse(fs.readFileSync(path.join(sessionsRoot, scriptedId, 'plan.json'), 'utf8')) as { subtasks: Array<{ id: string; dependsOn: string[] }> };
    const page = await open(`#/s/${scriptedId}`);
    const nodes = page.locator('[data-testid=graph-node]');
    await expect.poll(() => nodes.count(), { timeout: 20_000 }).toBe(plan.subtasks.length);
    expect(await page.locator('[data-testid=graph-edge]').count()).toBe(plan.subtasks.reduce((n, s) => n + s.dependsOn.length, 0));
    // Placed by the layout: dependencies sit left of what depends on them.
    const x = async (id: string) => (await page.locator(`[data-testid=graph-node][data-subtask=${id}]`).boundingBox())!.x;
    expect(await x('gamma')).toBeGreaterThan(await x('alpha'));
    const alpha = page.locator('[data-testid=graph-node][data-subtask=alpha]');
    expect(await alpha.getAttribute('data-status')).toBe('completed');
    expect(await alpha.locator('[data-testid=retried]').textContent()).toBe('2 attempts');
    const delta = page.locator('[data-testid=graph-node][data-subtask=delta]');
    expect(await delta.getAttribute('data-status')).toBe('completed');
    expect(await delta.locator('[data-testid=fallback]').count()).toBe(1);
    expect(await delta.textContent()).toContain('w04-analysis → w05-research');
    await page.close();
  });

  it('shows a timeline with one bar per attempt, and the failure and result marks', async () => {
    const journal = journalOf(path.join(sessionsRoot, scriptedId));
    const spawns = journal.filter((e) => e.type === 'spawn');
    const page = await open(`#/s/${scriptedId}`);
    await page.waitForSelector('[data-testid=timeline]');
    const workerBars = page.locator('[data-testid=attempt-bar]:not([data-agent=coordinator])');
    expect(await workerBars.count()).toBe(spawns.length);
    const alphaBars = page.locator('[data-testid=attempt-bar][data-agent=w01-research]');
    expect(await alphaBars.count()).toBe(2);
    expect(await alphaBars.nth(0).getAttribute('data-outcome')).toBe('failure');
    expect(await alphaBars.nth(1).getAttribute('data-outcome')).toBe('result');
    expect(await alphaBars.nth(0).locator('[data-kind=failure]').count()).toBe(1);
    // The final answer is rendered Markdown, its raw HTML escaped.
    const md = page.locator('[data-testid=markdown]');
    expect(await md.locator('h1').innerText()).toBe('Final');
    expect(await md.locator('strong').innerText()).toBe('beta');
    expect(await md.innerText()).toContain('<script>window.__pwnedMd = 1</script>');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwnedMd?: number }).__pwnedMd)).toBeUndefined();
    // Requests to people are listed, read-only for now.
    const requests = page.locator('[data-testid=human-requests] [data-testid=mail]');
    expect(await requests.count()).toBe(1);
    expect(await requests.innerText()).toMatch(/w02-research → human\s+approval/);
    await screenshot(page, 'session-retry');
    await page.close();
  });

  it('shows the offline session with usage per agent and a screenshot of it', async () => {
    const page = await open(`#/s/${offlineId}`);
    await expect.poll(() => page.locator('[data-testid=graph-node]').count(), { timeout: 20_000 }).toBe(3);
    const usage = JSON.parse(fs.readFileSync(path.join(sessionsRoot, offlineId, 'usage.json'), 'utf8')) as { agents: Record<string, { usage: { input_tokens: number } }> };
    for (const [agent, u] of Object.entries(usage.agents)) {
      expect(await page.locator(`[data-testid=usage-table] tr[data-agent="${agent}"]`).innerText()).toContain(u.usage.input_tokens.toLocaleString('en-US'));
    }
    expect(await page.locator('[data-testid=usage-chart] .chart-row').count()).toBe(Object.keys(usage.agents).length);
    await screenshot(page, 'session');
    // The theme follows the system: dark when the system asks for it.
    const background = () => page.locator('body').evaluate((body) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(body).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    expect(dark).not.toBe(light);
    const lum = (c: string) => (c.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
    expect(lum(dark)).toBeLessThan(lum(light));
    await screenshot(page, 'session-dark');
    await page.close();
  });

  it("shows an agent's transcript and mailbox as on disk, with dead/ reasons", async () => {
    const dir = path.join(sessionsRoot, offlineId, 'agents', 'w02-research');
    const lines = readJsonl(path.join(dir, 'transcript.jsonl'));
    const page = await open(`#/s/${offlineId}/a/w02-research`);
    await page.waitForSelector('[data-testid=transcript]');
    expect(await page.locator('[data-testid=turn]').count()).toBe(lines.length);
    expect(await page.locator('[data-testid=tool-call]').count()).toBeGreaterThan(0);
    await page.locator('[data-testid=tool-result]').first().click();
    await expect.poll(() => page.locator('[data-testid=tool-result][open] [data-testid=untrusted]').count()).toBeGreaterThan(0);
    await screenshot(page, 'agent');

    await page.click('[data-testid=tab-mailbox]');
    const box = path.join(dir, 'mailbox');
    const onDisk = ['tmp', 'new', 'cur', 'dead'].flatMap((f) => fs.readdirSync(path.join(box, f)).filter((n) => !n.endsWith('.reason.txt')).map((n) => ({ f, n })));
    onDisk.sort((a, b) => (a.n < b.n ? -1 : 1));
    const shown = await page.locator('[data-testid=mail]').evaluateAll((els) => els.map((e) => ({ f: e.getAttribute('data-folder'), n: e.getAttribute('data-name') })));
    expect(shown).toEqual(onDisk);
    const deadName = fs.readdirSync(path.join(box, 'dead')).find((n) => !n.endsWith('.reason.txt'))!;
    const reason = fs.readFileSync(path.join(box, 'dead', `${deadName}.reason.txt`), 'utf8').trim();
    expect(await page.locator(`[data-testid=mail][data-name="${deadName}"] [data-testid=dead-reason]`).innerText()).toContain(reason.split('\n')[0]!.slice(0, 60));

    await page.click('[data-testid=tab-log]');
    expect(await page.locator('[data-testid=log]').innerText()).toMatch(/worker/);
    await page.click('[data-testid="tab-agent.json"]');
    expect(JSON.parse(await page.locator('[data-testid=agent-json]').innerText())).toEqual(JSON.parse(fs.readFileSync(path.join(dir, 'agent.json'), 'utf8')));
    await page.close();
  });

  it('shows an untrusted <script> from a fetched page as text, and never runs it', async () => {
    const page = await open(`#/s/${scriptedId}/a/w02-research`);
    await page.waitForSelector('[data-testid=transcript]');
    const result = page.locator('[data-testid=tool-result]').first();
    await result.click();
    const untrusted = result.locator('[data-testid=untrusted]');
    expect(await untrusted.innerText()).toContain(EVIL);
    expect(await page.locator('[data-testid=transcript] script, [data-testid=untrusted] b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.close();
  });
});

describe('the viewer is safe by default', () => {
  it('answers 401 without the token, or with a wrong one, on pages, the API and the stream', async () => {
    for (const p of ['/', '/api/sessions', `/api/sessions/${offlineId}`, '/api/events', '/assets/app.js']) {
      expect((await rawGet(p)).status, p).toBe(401);
      expect((await rawGet(p, { 'x-mailroom-token': `${viewer.token}x` })).status, p).toBe(401);
    }
    expect((await rawGet(`/?token=${viewer.token}`)).status).toBe(200);
    expect((await rawGet('/api/sessions', { 'x-mailroom-token': viewer.token })).status).toBe(200);
  });

  it('refuses .. paths, encoded ones, and symlinks out of the runtime dir', async () => {
    const auth = { 'x-mailroom-token': viewer.token };
    for (const p of [
      '/api/sessions/../../../etc/passwd',
      '/api/sessions/..%2f..%2fetc',
      '/api/sessions/%2e%2e/%2e%2e/etc',
      '/api/sessions/%252e%252e%252fetc',
      `/api/sessions/${offlineId}/agents/..%2f..%2f..`,
      `/api/sessions/${offlineId}/agents/%2e%2e`,
      '/assets/..%2f..%2fpackage.json',
    ]) {
      const r = await rawGet(p, auth);
      expect([400, 404], `${p}: ${r.status} ${r.body}`).toContain(r.status);
      expect(r.body).not.toMatch(/root:|"name": "mailroom"/);
    }
    // A session-like name that is a symlink to a folder outside is not followed.
    const outside = tempRuntime('mailroom-ui-outside-');
    fs.mkdirSync(path.join(outside, 'agents'));
    const link = path.join(sessionsRoot, '20200101-000000-abcdef');
    fs.symlinkSync(outside, link);
    try {
      expect((await rawGet('/api/sessions/20200101-000000-abcdef', auth)).status).toBe(404);
    } finally {
      fs.unlinkSync(link);
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('answers 403 to a Host header that is not loopback (a DNS-rebinding page), even with the token', async () => {
    const r = await rawGet('/api/sessions', { 'x-mailroom-token': viewer.token, host: `attacker.example:${viewer.port}` });
    expect(r.status).toBe(403);
    expect((await rawGet('/api/sessions', { 'x-mailroom-token': viewer.token, host: `localhost:${viewer.port}` })).status).toBe(200);
  });

  it('takes actions only as POST with the token', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${viewer.origin}/api/sessions/${offlineId}/actions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ action: 'kill' }) });
    expect((await post({})).status).toBe(401);
    expect((await fetch(`${viewer.origin}/api/sessions/${offlineId}/actions`, { headers: { 'x-mailroom-token': viewer.token } })).status).toBe(405);
    const bad = await fetch(`${viewer.origin}/api/sessions/${offlineId}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mailroom-token': viewer.token },
      body: JSON.stringify({ action: 'approve' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/bad action/);
  });
});

describe('the viewer live', () => {
  it('shows a session started after the page opened, its agents changing status, and stops it from the page', async () => {
    const page = await open();
    await expect.poll(() => page.locator('[data-testid=session-row]').count(), { timeout: 20_000 }).toBe(2);
    await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true));

    const dir = fs.mkdtempSync(path.join(source, 'live-'));
    const script = writeScript(dir, {
      agents: {
        coordinator: [planReply({ subtasks: [{ id: 'stuck', role: 'research', description: 'Never finishes', dependsOn: [] }], failurePolicy: 'all' }), textReply('DONE')],
        // Hangs until it is shut down, so the session is surely running while the page looks.
        'w01-research': [{ hang: true }],
      },
    });
    const before = new Set(ids());
    const session = startCli(['--runtime-dir', runtime, '--script', script, '--no-live', '--shutdown-grace-ms', '1500', '--term-grace-ms', '1500', 'a task that waits']);
    const id = await waitFor(() => ids().find((i) => !before.has(i)), 30_000, 'the new session');
    liveDirs.push(path.join(sessionsRoot, id));

    const row = page.locator(`[data-testid=session-row][data-session="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.locator('a').click();
    const agentRow = page.locator('[data-testid=agent-row][data-agent=w01-research]');
    await expect.poll(() => agentRow.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
    await waitFor(() => journalOf(path.join(sessionsRoot, id)).some((e) => e.type === 'started'), 60_000, 'the worker to start');
    await expect.poll(() => page.locator('[data-testid=attempt-bar][data-agent=w01-research] [data-kind=started]').count(), { timeout: 30_000 }).toBe(1);

    // Stop the whole session from the page (confirmed in a dialog), through `mailroom kill`'s function.
    await page.click('[data-testid=kill-session]');
    await expect.poll(() => page.locator('[data-testid=kill-result]').innerText(), { timeout: 60_000 }).toMatch(/stopped w01-research \(via coordinator\)/);
    const ran = await session.done;
    expect(ran.code, ran.stderr).toBe(130);
    await expect.poll(() => page.locator('[data-testid=session]').getAttribute('data-status'), { timeout: 30_000 }).toBe('interrupted');
    await expect.poll(() => agentRow.getAttribute('data-status'), { timeout: 30_000 }).not.toBe('running');
    expect(await page.locator('[data-testid=attempt-bar][data-agent=w01-research] [data-kind=shutdown], [data-testid=attempt-bar][data-agent=w01-research] [data-kind=gone]').count()).toBeGreaterThan(0);
    expect(findWorkerProcesses(path.join(sessionsRoot, id)).size).toBe(0);
    // All of it without a reload.
    expect(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await page.close();
  }, 180_000);

  it('stops a worker from its agent page', async () => {
    const dir = fs.mkdtempSync(path.join(source, 'live2-'));
    const script = writeScript(dir, {
      agents: {
        coordinator: [
          planReply({ subtasks: [{ id: 'stuck', role: 'research', description: 'Never finishes', dependsOn: [] }, { id: 'quick', role: 'research', description: 'Done at once', dependsOn: [] }], failurePolicy: 'best-effort' }),
          textReply('DONE WITHOUT THE STUCK ONE'),
        ],
        'w01-research': [{ hang: true }],
        'w02-research': [textReply('QUICK')],
      },
    });
    const before = new Set(ids());
    const session = startCli(['--runtime-dir', runtime, '--script', script, '--no-live', '--attempts', '1', '--shutdown-grace-ms', '1500', '--term-grace-ms', '1500', 'a task with one stuck worker']);
    const id = await waitFor(() => ids().find((i) => !before.has(i)), 30_000, 'the new session');
    liveDirs.push(path.join(sessionsRoot, id));
    await waitFor(() => journalOf(path.join(sessionsRoot, id)).some((e) => e.type === 'started' && e.agent === 'w01-research'), 60_000, 'the worker to start');
    const page = await open(`#/s/${id}/a/w01-research`);
    await page.click('[data-testid=kill-w01-research]', { timeout: 30_000 });
    await expect.poll(() => page.locator('[data-testid=kill-result]').innerText(), { timeout: 60_000 }).toMatch(/stopped w01-research/);
    await expect.poll(() => page.locator('[data-testid=agent-status]').innerText(), { timeout: 30_000 }).not.toBe('running');
    const ran = await session.done;
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('DONE WITHOUT THE STUCK ONE');
    await page.close();
  }, 180_000);
});
