/**
 * A real Chromium for the viewer's tests, driven by playwright-core (never a downloaded
 * browser: Debian's /usr/bin/chromium, installed by .ci/run), with a fresh profile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from '../support/cli.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Where the test run saves its screenshots (git-ignored). */
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'ui');

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium headless with the flags this network needs, in a fresh user-data dir. */
export async function launchBrowser(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-chromium-'));
  // A persistent context is how playwright takes a user-data dir of our choosing (fresh, per launch).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: { width: 1280, height: 800 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot under test-results/ui/. */
export async function screenshot(page: import('playwright-core').Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
