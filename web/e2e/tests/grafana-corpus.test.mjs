// Every real Grafana dashboard of the compatibility corpus (../shared/grafana-dashboards, copied
// into the server's dashboards dir at test time) opens without a page error, and every panel,
// collapsed rows expanded, either draws (its renderer put something in the panel body: a plot,
// a value, a table, "No data") or says that its type is unsupported. Their Prometheus source is
// provisioned at a closed port, so panels also have to say that the source is down.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { shot } from '../lib/browser.mjs';
import { useServer } from '../lib/harness.mjs';
import { GRAFANA_CORPUS } from '../lib/server.mjs';
import { waitUntil } from '../lib/wait.mjs';

const files = existsSync(GRAFANA_CORPUS) ? readdirSync(GRAFANA_CORPUS).filter((f) => f.endsWith('.json')).sort() : [];
const dashboards = files.map((f) => ({ file: f, json: JSON.parse(readFileSync(join(GRAFANA_CORPUS, f), 'utf8')) }));

/** Panel types the UI must draw (issue 5); anything else may say it is unsupported. */
const SUPPORTED = new Set(['timeseries', 'stat', 'gauge', 'bargauge', 'table', 'text', 'heatmap', 'state-timeline', 'row', 'graph', 'singlestat', 'table-old']);

/** Ids of the panels (nested in rows too) that have a query to run. */
function queryingPanelIds(panels = []) {
  return panels.flatMap((p) => [...((p.targets ?? []).some((t) => !t.hide) && p.type !== 'row' ? [p.id] : []), ...queryingPanelIds(p.panels)]);
}

const h = useServer({
  dashboards: files.map((f) => join(GRAFANA_CORPUS, f)),
  datasources: `apiVersion: 1
datasources:
  - name: Prometheus
    type: prometheus
    uid: prometheus
    url: http://127.0.0.1:1
    isDefault: true
`,
});

test('the compatibility corpus is there', () => {
  assert.ok(files.length > 0, `no dashboards in ${GRAFANA_CORPUS}`);
});

for (const { file, json } of dashboards) {
  test(`${file} opens without a page error; every panel draws or says it is unsupported`, { timeout: 120_000 }, () =>
    h.withPage(`grafana-${file.replace(/\.json$/, '')}`, { viewport: { width: 1600, height: 1000 }, fullPage: false }, async ({ page }) => {
      await page.goto(`/d/${encodeURIComponent(json.uid)}`);
      await page.getByRole('heading', { level: 1, name: json.title }).waitFor();
      // Expand every collapsed row (rows with nested panels), one at a time: the layout moves.
      for (let i = 0; i < 50; i++) {
        const collapsed = page.locator('.row-panel button[aria-expanded="false"]');
        if ((await collapsed.count()) === 0) break;
        await collapsed.first().click();
      }
      const survey = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('section.panel')].map((el) => {
            const body = el.querySelector('.panel-body');
            const notice = body?.querySelector('.panel-notice')?.textContent?.trim() ?? '';
            return {
              id: el.getAttribute('data-panel-id'),
              type: el.getAttribute('data-panel-type'),
              title: el.getAttribute('aria-label'),
              rendered: !!body && body.children.length > 0,
              canvas: !!body?.querySelector('canvas, svg, table, .stat-value'),
              unsupported: /not supported/i.test(notice),
              notice,
              status: [...el.querySelectorAll('.panel-status')].map((s) => s.textContent?.trim()).join(' | '),
            };
          }),
        );
      // Settled: every panel rendered something and every status that will come has come.
      const panels = await waitUntil(
        async () => {
          const s = await survey();
          return s.length > 0 && s.every((p) => p.rendered) ? s : false;
        },
        { timeout: 30_000, message: 'every panel to render' },
      );
      // Their source is down: every panel that queries it says so (issue 5: "a panel whose source
      // is down or erroring says so on the panel").
      const querying = new Set(queryingPanelIds(json.panels));
      const silent = await waitUntil(
        async () => {
          const s = (await survey()).filter((p) => querying.has(Number(p.id)) && !p.status);
          return s.length === 0 ? [] : false;
        },
        { timeout: 20_000, message: 'every querying panel to say its source is down' },
      ).catch(async () => (await survey()).filter((p) => querying.has(Number(p.id)) && !p.status));
      assert.deepEqual(silent.map((p) => `${p.id} ${p.type} "${p.title}"`), [], 'panels that do not say their source is down');
      const blank = panels.filter((p) => !p.rendered);
      assert.deepEqual(blank, [], 'panels with nothing drawn');
      const wrongly = panels.filter((p) => p.unsupported && SUPPORTED.has(p.type));
      assert.deepEqual(wrongly, [], 'supported panel types said to be unsupported');
      const unsupported = panels.filter((p) => p.unsupported);
      for (const p of unsupported) assert.match(p.notice, new RegExp(p.type.replace(/[-]/g, '\\-')), 'the notice names the type');
      // The page scrolls to the bottom without breaking; the end-of-test screenshot shows the
      // top (a full-page shot of 100+ panels takes too long).
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await shot(page, `grafana-${file.replace(/\.json$/, '')}-bottom`, { fullPage: false });
      await page.evaluate(() => window.scrollTo(0, 0));
      const types = {};
      for (const p of panels) types[p.type] = (types[p.type] ?? 0) + 1;
      const statuses = new Set((await survey()).map((p) => p.status).filter(Boolean));
      // A summary line per dashboard in the test output.
      console.log(`# ${file}: ${panels.length} panels ${JSON.stringify(types)}; unsupported: ${unsupported.length}; statuses: ${[...statuses].slice(0, 3).join(' / ') || 'none'}`);
    }));
}
