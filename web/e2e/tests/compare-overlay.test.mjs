// "Compare with a day ago": the panel adds its own series from a day before, shifted onto the
// current time axis, next to the live one. Points are written now and a day ago to the
// pulsegrid source (kept 49 h here so yesterday's points are still served).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shot } from '../lib/browser.mjs';
import { useServer } from '../lib/harness.mjs';
import { legendLabels, openDashboard, openPanelMenu, panel, panelState, recordSubscriptions, waitDrawn } from '../lib/dashboard.mjs';
import { waitUntil } from '../lib/wait.mjs';

const h = useServer({ dashboards: ['e2e-compare.json'], env: { PULSEGRID_INGEST_MAX_AGE: '49h' } });

const DAY = 86_400_000;

test('the panel menu\'s "Compare with a day ago" overlays yesterday\'s series', { timeout: 60_000 }, () =>
  h.withPage('compare-day-ago', async ({ page, server }) => {
    const now = Date.now();
    const lines = [];
    for (let i = 40; i >= 0; i--) {
      const t = now - i * 20_000;
      lines.push(`boiler_load,boiler=b1 value=${(20 + 5 * Math.sin(i / 4)).toFixed(2)} ${t - DAY}`);
      lines.push(`boiler_load,boiler=b1 value=${(70 + 5 * Math.cos(i / 4)).toFixed(2)} ${t}`);
    }
    // Yesterday first, then today (the store's age limit counts back from the newest point).
    await server.write(lines.filter((_, i) => i % 2 === 0));
    await server.write(lines.filter((_, i) => i % 2 === 1));

    const subs = recordSubscriptions(page);
    await openDashboard(page, 'e2e-compare');
    const p = panel(page, 'Boiler load');
    const before = await waitDrawn(p);
    assert.equal((await legendLabels(p)).length, 1);

    await (await openPanelMenu(page, 'Boiler load')).getByRole('menuitemradio', { name: 'Compare with a day ago' }).click();
    await p.getByText('vs 1d ago').waitFor();
    await waitUntil(() => subs.some((s) => s.shift === '1d'), { message: 'a subscription with shift 1d' });
    const labels = await waitUntil(async () => {
      const l = await legendLabels(p);
      return l.length === 2 ? l : false;
    }, { message: 'two legend entries (today and a day ago)' });
    assert.ok(labels.some((l) => /\(1d ago\)/.test(l)), `legend: ${JSON.stringify(labels)}`);
    assert.ok(labels.some((l) => !/ago/.test(l)), `legend: ${JSON.stringify(labels)}`);
    // Yesterday's line is drawn too: more coloured pixels than the one series had.
    await waitUntil(async () => (await panelState(p)).colourful > before.colourful * 1.3, {
      message: `more series pixels than before the overlay (${before.colourful})`,
    });

    await shot(page, 'compare-day-ago-overlay');

    // And off again.
    await (await openPanelMenu(page, 'Boiler load')).getByRole('menuitemradio', { name: 'No comparison' }).click();
    await waitUntil(async () => (await legendLabels(p)).length === 1, { message: 'one legend entry again' });
  }));
