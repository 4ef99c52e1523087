// A value written with Influx line protocol (`POST /write?db=plant`) appears on a stat panel
// whose target is a `pulsegrid` series selector, without reloading the page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { openDashboard, panel, waitStat } from '../lib/dashboard.mjs';

const h = useServer({ dashboards: ['e2e-basics.json'] });

test('a point written to /write shows on the stat panel live, without a reload', { timeout: 60_000 }, () =>
  h.withPage('live-write-stat', async ({ page, server }) => {
    await openDashboard(page, 'e2e-basics');
    const stat = panel(page, 'North line pressure');
    await stat.waitFor();
    // A marker on window: a reload or navigation would drop it.
    await page.evaluate(() => (window.__e2eNoReload = true));
    let navigations = 0;
    page.on('framenavigated', (f) => f === page.mainFrame() && navigations++);

    await server.write(['line_pressure,site=north value=7.25', 'line_pressure,site=south value=1.5'].map((l) => `${l} ${Date.now()}`));
    await waitStat(stat, /^7\.25$/);
    await server.write(`line_pressure,site=north value=9.5 ${Date.now() + 1}`);
    await waitStat(stat, /^9\.50$/);

    assert.equal(await page.evaluate(() => window.__e2eNoReload), true, 'the page was not reloaded');
    assert.equal(navigations, 0);
  }));

// The first (replace) frame of a followed stream must reach `now`, not `now` rounded down to the
// query step (about a minute for now-6h): a point written within the last step before the panel
// subscribes is in neither the window nor the stream otherwise.
test('a point written just before the dashboard opens is on the stat (range now-6h)', { timeout: 60_000 }, () =>
  h.withPage('live-write-before-open', async ({ page, server }) => {
    await server.write(`line_pressure,site=north value=4.75 ${Date.now()}`);
    await openDashboard(page, 'e2e-basics', 'from=now-6h&to=now');
    await waitStat(panel(page, 'North line pressure'), /^4\.75$/);
  }));
