// A table panel applies its transformations as Grafana does: reduce (series to rows), organize
// (exclude, reorder, rename), sortBy; on series written to the pulsegrid source.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { openDashboard, panel } from '../lib/dashboard.mjs';
import { waitUntil } from '../lib/wait.mjs';

const h = useServer({ dashboards: ['e2e-table.json'] });

test('reduce + organize + sortBy give the expected columns and rows', { timeout: 60_000 }, () =>
  h.withPage('table-transformations', async ({ page, server }) => {
    const now = Date.now();
    // Three machines, three points each; the last value is the one the table shows.
    const temps = { m1: [40, 45, 50], m2: [90, 85, 80], m3: [60, 70, 65] };
    const lines = [];
    for (const [m, vs] of Object.entries(temps)) vs.forEach((v, i) => lines.push(`e2e_temp_${m} value=${v} ${now - (vs.length - i) * 10_000}`));
    await server.write(lines);

    await openDashboard(page, 'e2e-table');
    const table = panel(page, 'Machines by temperature').getByRole('table');
    await waitUntil(async () => (await table.locator('tbody tr:not([aria-hidden])').count()) === 3, { message: 'three rows' });
    const headers = (await table.getByRole('columnheader').allTextContents()).map((t) => t.replace(/[↑↓]/g, '').trim());
    assert.deepEqual(headers, ['Temperature', 'Machine']);
    const rows = await table.locator('tbody tr:not([aria-hidden])').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())),
    );
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['80.0', '65.0', '50.0'],
    );
    assert.deepEqual(
      rows.map((r) => r[1].match(/m\d/)?.[0]),
      ['m2', 'm3', 'm1'],
      `machine column: ${JSON.stringify(rows)}`,
    );
  }));
