/**
 * The viewer answers people's requests, in a real Chromium: a write waits for a person,
 * the page shows the request, and its Approve button lets the worker go on, through the
 * same `respond` as the CLI. A second reply from the page is refused and says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startViewer, type Viewer } from '../../src/ui/server.js';
import { FakeAnthropicServer } from '../support/fake-anthropic/index.js';
import { killStartedClis, tempRuntime } from '../support/cli.js';
import { FINAL, WRITE_CALL, journal, killWorkers, openRequest, scriptWriter, startSession, status } from '../people/helpers.js';
import { launchBrowser, screenshot, type TestBrowser } from './browser.js';

const runtime = tempRuntime('mailroom-ui-people-');
let server: FakeAnthropicServer;
let viewer: Viewer;
let browser: TestBrowser;
const dirs: string[] = [];

beforeAll(async () => {
  server = await FakeAnthropicServer.start();
  viewer = await startViewer({ runtimeDir: runtime, port: 0 });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await viewer?.close();
  killStartedClis();
  for (const d of dirs) killWorkers(d);
  await server?.close();
  fs.rmSync(runtime, { recursive: true, force: true });
});

async function open(hash: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${viewer.url}${hash}`);
  return page;
}

describe('the viewer and people', () => {
  it('approving a pending request lets the worker go on', async () => {
    scriptWriter(server);
    const run = startSession(server, runtime, ['--require-approval', 'write_file']);
    const { dir, request } = await openRequest(runtime);
    dirs.push(dir);
    const id = path.basename(dir);
    const page = await open(`#/s/${id}`);
    const item = page.locator(`[data-testid=request][data-request="${request.id}"]`);
    await expect.poll(() => item.getAttribute('data-open'), { timeout: 30_000 }).toBe('yes');
    expect(await item.locator('[data-testid=request-summary]').innerText()).toContain('write_file(path="CHANGELOG.md"');
    await screenshot(page, 'people-request');
    await item.locator('[data-testid=request-text]').fill('looks right');
    await item.locator('[data-testid=approve]').click();
    await expect.poll(() => item.locator('[data-testid=request-sent]').count(), { timeout: 20_000 }).toBe(1);

    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe(FINAL);
    expect(fs.readFileSync(path.join(dir, 'workspace', 'CHANGELOG.md'), 'utf8')).toBe(WRITE_CALL.input.content);
    expect(journal(dir).find((e) => e.type === 'reply')).toMatchObject({ id: request.id, kind: 'approval', text: 'looks right' });
    expect(status(dir)).toBe('completed');
    // The page shows the reply as it is on disk once the live update comes in.
    await expect.poll(() => item.locator('[data-testid=request-reply]').getAttribute('data-kind'), { timeout: 30_000 }).toBe('approval');

    // A second reply (as from a stale page) is refused by the server: 409, nothing sent.
    const res = await fetch(`${viewer.origin}/api/sessions/${id}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mailroom-token': viewer.token },
      body: JSON.stringify({ action: 'deny', request: request.id, reason: 'too late' }),
    });
    const second = { status: res.status, body: (await res.json()) as { error?: string } };
    expect(second.status).toBe(409);
    expect(second.body.error).toContain('already answered');
    await page.close();
  }, 180_000);
});
