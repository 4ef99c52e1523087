// The theme toggle switches between dark and light (the page's colours and the canvas panels),
// and the choice is kept across a reload.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shot } from '../lib/browser.mjs';
import { useServer } from '../lib/harness.mjs';
import { openDashboard, panel, waitDrawn } from '../lib/dashboard.mjs';
import { waitUntil } from '../lib/wait.mjs';

const h = useServer({ dashboards: ['e2e-basics.json'] });

/** Relative luminance (0..1) of a CSS rgb() colour. */
function luminance(css) {
  const [r, g, b] = css.match(/[\d.]+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

const look = (page) =>
  page.evaluate(() => ({
    theme: document.documentElement.dataset.theme,
    body: getComputedStyle(document.body).backgroundColor,
    panel: getComputedStyle(document.querySelector('section.panel')).backgroundColor,
  }));

test('the theme toggle switches dark to light and back, and is remembered', { timeout: 60_000 }, () =>
  h.withPage('theme-toggle', async ({ page }) => {
    await openDashboard(page, 'e2e-basics');
    await waitDrawn(panel(page, 'Walk'));
    const dark = await look(page);
    assert.equal(dark.theme, 'dark');
    assert.ok(luminance(dark.body) < 0.3, `dark background: ${dark.body}`);
    await shot(page, 'theme-dark');

    const toggle = page.getByRole('button', { name: 'Switch between dark and light theme' });
    await toggle.click();
    await waitUntil(async () => (await look(page)).theme === 'light', { message: 'data-theme=light' });
    const light = await look(page);
    assert.ok(luminance(light.body) > 0.7, `light background: ${light.body}`);
    assert.notEqual(light.panel, dark.panel);
    await waitDrawn(panel(page, 'Walk'));
    await shot(page, 'theme-light');

    await page.reload();
    await page.locator('section.panel').first().waitFor();
    assert.equal((await look(page)).theme, 'light', 'the choice survives a reload');
    await page.getByRole('button', { name: 'Switch between dark and light theme' }).click();
    await waitUntil(async () => (await look(page)).theme === 'dark', { message: 'back to dark' });
  }));
