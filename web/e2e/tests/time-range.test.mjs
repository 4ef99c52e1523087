// Changing the time range with the picker updates the URL, the picker's label and what the
// panels ask the server for (their subscriptions carry the new range).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { openDashboard, panel, recordSubscriptions, waitDrawn } from '../lib/dashboard.mjs';
import { waitUntil } from '../lib/wait.mjs';

const h = useServer({ dashboards: ['e2e-basics.json'] });

test('a quick range and a typed range change the URL and the panels\' range', { timeout: 60_000 }, () =>
  h.withPage('time-range', async ({ page }) => {
    const subs = recordSubscriptions(page);
    await openDashboard(page, 'e2e-basics');
    await waitDrawn(panel(page, 'Walk'));
    const picker = page.getByTestId('time-picker');
    assert.match(await picker.textContent(), /Last 15 minutes/);
    const walkSubs = () => subs.filter((s) => s.dashboard === 'e2e-basics' && s.panel === 1);
    await waitUntil(() => walkSubs().some((s) => s.from === 'now-15m'), { message: 'a subscription for now-15m' });

    // A quick range.
    await picker.click();
    const dialog = page.getByRole('dialog', { name: 'Time range' });
    await dialog.getByRole('button', { name: 'Last 1 hour' }).click();
    await page.waitForURL((u) => u.searchParams.get('from') === 'now-1h' && u.searchParams.get('to') === 'now');
    await waitUntil(async () => /Last 1 hour/.test(await picker.textContent()), { message: 'the picker to say Last 1 hour' });
    await waitUntil(() => walkSubs().some((s) => s.from === 'now-1h' && s.to === 'now'), { message: 'the panel to subscribe for now-1h' });
    await waitDrawn(panel(page, 'Walk'));

    // A typed range (date math).
    await picker.click();
    await dialog.getByLabel('From').fill('now-30m');
    await dialog.getByLabel('To').fill('now-5m');
    await dialog.getByRole('button', { name: 'Apply time range' }).click();
    await page.waitForURL((u) => u.searchParams.get('from') === 'now-30m' && u.searchParams.get('to') === 'now-5m');
    await waitUntil(() => walkSubs().some((s) => s.from === 'now-30m' && s.to === 'now-5m'), { message: 'the panel to subscribe for now-30m..now-5m' });
    await waitDrawn(panel(page, 'Walk'));

    // An invalid range is refused in the picker, not sent.
    await picker.click();
    await dialog.getByLabel('From').fill('yesterday-ish');
    await dialog.getByRole('button', { name: 'Apply time range' }).click();
    await dialog.getByRole('alert').waitFor();
    assert.match(await dialog.getByRole('alert').textContent(), /yesterday-ish/);
    assert.equal(new URL(page.url()).searchParams.get('from'), 'now-30m');
    await page.keyboard.press('Escape');

    // The range in the URL survives a reload.
    await page.reload();
    await waitDrawn(panel(page, 'Walk'));
    assert.match(await page.getByTestId('time-picker').textContent(), /now-30m|30 minutes/);
  }));
