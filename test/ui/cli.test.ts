/**
 * `mailroom ui` as a user runs it: a real process that prints its URL (and opens
 * nothing), serves the page with the token, warns about --host, refuses a bad port, and
 * stops on Ctrl-C leaving nothing behind.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killStartedClis, runCli, startCli, tempRuntime } from '../support/cli.js';
import { waitFor } from '../support/script.js';

const runtime = tempRuntime('mailroom-ui-cli-');
afterEach(() => killStartedClis());
afterAll(() => fs.rmSync(runtime, { recursive: true, force: true }));

/** True when something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

describe('mailroom ui', () => {
  it('prints a 127.0.0.1 URL with a token, serves the page, and stops on Ctrl-C', async () => {
    const ui = startCli(['ui', '--port', '0', '--runtime-dir', runtime]);
    const url = await waitFor(() => /^(http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]{20,}))$/m.exec(ui.stdout()) ?? undefined, 60_000, 'the URL');
    const port = Number(url[2]);
    const page = await fetch(url[1]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    // The page's script and styles are served from the build, not from a CDN.
    const html = await (await fetch(url[1]!)).text();
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    expect((await fetch(`http://127.0.0.1:${port}/assets/app.js?token=${url[3]}`)).status).toBe(200);
    // An open live stream must not keep the server from stopping.
    const stream = await fetch(`http://127.0.0.1:${port}/api/events?token=${url[3]}`);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);

    ui.child.kill('SIGINT');
    const end = await ui.done;
    expect(end.code, end.stderr).toBe(0);
    expect(end.signal).toBeNull();
    expect(end.stderr).toMatch(/viewer stopped/);
    expect(await listening(port)).toBe(false);
    await stream.body?.cancel().catch(() => undefined);
  }, 90_000);

  it('warns when --host exposes it beyond this machine', async () => {
    const ui = startCli(['ui', '--port', '0', '--host', '0.0.0.0', '--runtime-dir', runtime]);
    await waitFor(() => /\?token=/.test(ui.stdout()), 60_000, 'the URL');
    expect(ui.stderr()).toMatch(/warning: --host 0\.0\.0\.0 exposes the viewer/);
    ui.child.kill('SIGINT');
    expect((await ui.done).code).toBe(0);
  }, 90_000);

  it('refuses a bad --port with exit 2', async () => {
    const r = await runCli(['ui', '--port', 'abc', '--runtime-dir', runtime]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be a whole number/);
  });
});
