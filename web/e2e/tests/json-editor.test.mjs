// The dashboard JSON editor shows errors where they are: the server's validation error names
// the JSON path (`panels[0].gridPos.w`) and the editor marks that line; a syntax error is
// caught in the browser and its line marked, without a request.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { openDashboard } from '../lib/dashboard.mjs';
import { fixture } from '../lib/server.mjs';
import { waitUntil } from '../lib/wait.mjs';

const h = useServer();

async function openJsonEditor(page, uid, title) {
  await h.server.api('POST', '/api/dashboards/db', { dashboard: { ...fixture('saved-dashboard.json'), uid, title }, overwrite: true });
  await openDashboard(page, uid);
  await page.getByRole('banner').getByRole('button', { name: 'Edit JSON' }).click();
  const dialog = page.getByRole('dialog', { name: 'Dashboard JSON' });
  const area = dialog.getByRole('textbox', { name: 'Dashboard JSON' });
  await area.waitFor();
  return { dialog, area };
}

/** The 1-based line the textarea's selection starts on. */
const selectedLine = (area) => area.evaluate((el) => el.value.slice(0, el.selectionStart).split('\n').length);

test('a validation error from the server names panels[0].gridPos.w and marks its line', { timeout: 60_000 }, () =>
  h.withPage('json-validation-error', { login: true }, async ({ page, server }) => {
    const { dialog, area } = await openJsonEditor(page, 'e2e-json', 'E2E JSON');
    const model = JSON.parse(await area.inputValue());
    model.panels[0].gridPos.w = 'wide';
    const text = JSON.stringify(model, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"w": "wide"')) + 1;
    assert.ok(line > 1);
    await area.fill(text);
    await dialog.getByRole('button', { name: 'Save dashboard' }).click();

    const errors = dialog.getByTestId('json-errors');
    await errors.waitFor();
    const listed = await errors.textContent();
    assert.match(listed, /panels\[0\]\.gridPos\.w/);
    assert.match(listed, new RegExp(`Line ${line}\\b`));
    assert.equal(await dialog.locator(`[data-error-line="${line}"]`).count(), 1, `line ${line} marked in the gutter`);
    assert.equal(await selectedLine(area), line, 'the error line is selected in the text');
    // Nothing was saved.
    assert.equal((await server.api('GET', '/api/dashboards/uid/e2e-json')).json.dashboard.panels[0].gridPos.w, 12);
  }));

test('a JSON syntax error is shown with its line before anything is sent', { timeout: 60_000 }, () =>
  h.withPage('json-syntax-error', { login: true }, async ({ page }) => {
    const { dialog, area } = await openJsonEditor(page, 'e2e-json-syntax', 'E2E JSON syntax');
    const lines = (await area.inputValue()).split('\n');
    const n = lines.findIndex((l) => l.includes('"title": "E2E JSON syntax"'));
    lines[n] = lines[n].replace('"E2E JSON syntax"', '"E2E JSON syntax" oops');
    await area.fill(lines.join('\n'));
    let posted = 0;
    page.on('request', (r) => r.method() === 'POST' && r.url().includes('/api/dashboards/db') && posted++);
    await dialog.getByRole('button', { name: 'Save dashboard' }).click();
    const errors = dialog.getByTestId('json-errors');
    await errors.waitFor();
    assert.match(await errors.textContent(), new RegExp(`Line ${n + 1}, column \\d+`));
    assert.equal(await dialog.locator(`[data-error-line="${n + 1}"]`).count(), 1);
    await waitUntil(async () => (await selectedLine(area)) === n + 1, { message: `line ${n + 1} selected` });
    assert.equal(posted, 0, 'no save request for text that is not JSON');
  }));
