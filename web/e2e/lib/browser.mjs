// Headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): launch, a page
// that collects console errors and page errors (a test fails on any), and screenshots saved
// to e2e/screenshots/ (gitignored) for people to look at.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { E2E_DIR } from './server.mjs';

export const SCREENSHOTS = join(E2E_DIR, 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** Console messages that are the network's, not the page's code (a 401 probe, a refused socket). */
const NETWORK_NOISE = [/^Failed to load resource/, /WebSocket connection to .* failed/];

/**
 * A new context (own cookies and storage) and page on `baseURL`, collecting errors:
 * `errors` holds uncaught exceptions and console.error messages (network noise aside).
 */
export async function newPage(browser, baseURL, { viewport = { width: 1400, height: 900 }, colorScheme = 'dark', allowConsole = [] } = {}) {
  const context = await browser.newContext({ baseURL, viewport, colorScheme, deviceScaleFactor: 1 });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.stack || e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (NETWORK_NOISE.some((re) => re.test(text)) || allowConsole.some((re) => re.test(text))) return;
    errors.push(`console.error: ${text}`);
  });
  page.on('dialog', (d) => {
    errors.push(`dialog opened (${d.type()}): ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  return { context, page, errors };
}

/** Saves a full-page PNG as e2e/screenshots/<name>.png; returns its path. */
export async function shot(page, name, { fullPage = true } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage, animations: 'disabled', timeout: 30_000 });
  return path;
}

/** Signs in as admin through the API (same origin, so the session cookie lands in the context). */
export async function signIn(page, password, user = 'admin') {
  if (page.url() === 'about:blank') await page.goto('/api/health');
  const status = await page.evaluate(
    async ([u, p]) => (await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: u, password: p }) })).status,
    [user, password],
  );
  if (status !== 200 && status !== 204) throw new Error(`login as ${user} failed: HTTP ${status}`);
}
