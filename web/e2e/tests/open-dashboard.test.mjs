// Opening a dashboard draws its panels: time series on uPlot canvases, stats with a value.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { legendLabels, openDashboard, panel, panelState, waitDrawn, waitStat } from '../lib/dashboard.mjs';

// Own metrics every second, so the default dashboard's stats move within the test's patience.
const h = useServer({ dashboards: ['e2e-basics.json'], env: { PULSEGRID_OWN_METRICS_INTERVAL: '1s' } });

test('the default dashboard pulsegrid-overview draws its time series and stats', { timeout: 60_000 }, () =>
  h.withPage('open-default-dashboard', async ({ page }) => {
    await openDashboard(page, 'pulsegrid-overview');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Pulsegrid overview');
    await waitDrawn(panel(page, 'Random walk'));
    await waitDrawn(panel(page, 'Sine wave'));
    // The service records its own metrics into the pulsegrid source: this page's own WebSocket
    // is counted, live, without a reload.
    await waitStat(panel(page, 'Open WebSockets'), /^[1-9]\d*$/);
    await waitStat(panel(page, 'Points ingested'), /^\d+$/);
    assert.equal(await page.locator('section.panel').count(), 5);
  }));

test('a fixture dashboard draws a time series, a stat and a markdown text panel', { timeout: 60_000 }, () =>
  h.withPage('open-fixture-dashboard', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('link', { name: 'E2E basics' }).click();
    await page.waitForURL(/\/d\/e2e-basics/);
    const walk = await waitDrawn(panel(page, 'Walk'));
    assert.ok(walk.colourful > 30, `series pixels drawn: ${walk.colourful}`);
    // Two series (seriesCount 2), two legend entries.
    assert.equal((await legendLabels(panel(page, 'Walk'))).length, 2);
    await waitStat(panel(page, 'Sine now'), /^\d+(\.\d)?%$/);
    const text = panel(page, 'About');
    await text.getByRole('heading', { name: 'E2E basics' }).waitFor();
    assert.equal(await text.locator('strong').textContent(), 'fixture');
    // Nothing is written to the pulsegrid source yet: the stat says so rather than breaking.
    const empty = await panelState(panel(page, 'North line pressure'));
    assert.ok(!empty.status?.startsWith('Error'), `no error on an empty series: ${empty.status}`);
  }));
