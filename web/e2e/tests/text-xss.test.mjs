// The text panel's markdown and HTML are sanitized: every payload of
// web/src/panels/text/xss-cases.ts is rendered in a text panel of one dashboard, and for each
// the forbidden elements and attributes are absent, the required ones present, harmless text
// still shows; and no dialog opens and no payload's script runs (`window.__xss` stays unset).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { useServer } from '../lib/harness.mjs';
import { openDashboard } from '../lib/dashboard.mjs';
import { REPO } from '../lib/server.mjs';
import { waitUntil } from '../lib/wait.mjs';

const CASES_FILE = join(REPO, 'web/src/panels/text/xss-cases.ts');

/** The cases, read from the TypeScript module the UI's authors keep next to the renderer. */
async function loadCases() {
  const js = ts.transpileModule(readFileSync(CASES_FILE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
}

const { XSS_CASES: cases, ALWAYS_FORBIDDEN: always } = existsSync(CASES_FILE)
  ? await loadCases()
  : { XSS_CASES: [], ALWAYS_FORBIDDEN: [] };

const dashboard = {
  uid: 'e2e-xss',
  title: 'E2E text sanitizing',
  schemaVersion: 39,
  time: { from: 'now-15m', to: 'now' },
  panels: cases.map((c, i) => ({
    id: i + 1,
    type: 'text',
    title: `Case ${i + 1}`,
    gridPos: { h: 4, w: 8, x: (i % 3) * 8, y: Math.floor(i / 3) * 4 },
    options: { mode: c.mode, content: c.content },
  })),
};

const h = useServer({ dashboards: [{ name: 'e2e-xss.json', json: dashboard }] });

test('text panels render every XSS case sanitized, and no payload runs', { timeout: 90_000 }, async (t) => {
  assert.ok(cases.length > 0, `no cases found in ${CASES_FILE}`);
  // Chromium reports a CSP violation ("Executing inline event handler violates ... script-src
  // 'self' ... The action has been blocked") when DOMPurify parses a payload with an inline
  // handler in its inert document (cure53/DOMPurify#107, #900): nothing runs, the server's CSP
  // blocks it anyway. Those console errors are expected here; anything else still fails.
  const csp = /^Executing inline event handler violates the following Content Security Policy directive 'script-src 'self''/;
  await h.withPage('text-xss', { allowConsole: [csp] }, async ({ page }) => {
    await page.addInitScript(() => {
      for (const fn of ['alert', 'confirm', 'prompt', 'print']) {
        window[fn] = (...args) => {
          window.__xssCalls = [...(window.__xssCalls ?? []), `${fn}(${args.join(',')})`];
        };
      }
    });
    await openDashboard(page, 'e2e-xss');
    const bodies = page.locator('section.panel[data-panel-type="text"] .panel-body');
    await waitUntil(async () => (await bodies.count()) === cases.length, { message: `${cases.length} text panels` });
    await waitUntil(
      () => page.evaluate(() => [...document.querySelectorAll('section.panel .panel-body')].every((b) => b.children.length > 0)),
      { message: 'every text panel rendered' },
    );
    // Let images fail (onerror payloads), then poke event-handler payloads.
    await waitUntil(() => page.evaluate(() => [...document.querySelectorAll('section.panel img')].every((i) => i.complete)), { message: 'images settled' });
    await page.evaluate(() => {
      for (const el of document.querySelectorAll('section.panel .panel-body *')) {
        for (const type of ['mouseover', 'click', 'focus', 'toggle']) el.dispatchEvent(new Event(type, { bubbles: true, cancelable: true }));
      }
    });

    for (const [i, c] of cases.entries()) {
      await t.test(`case ${i + 1}: ${c.name}`, async () => {
        const body = page.locator(`section.panel[data-panel-id="${i + 1}"] .panel-body`);
        for (const sel of [...always, ...c.forbidden]) {
          assert.equal(await body.locator(sel).count(), 0, `"${sel}" must not be in the rendered panel; html: ${await body.innerHTML()}`);
        }
        for (const sel of c.required ?? []) {
          assert.ok((await body.locator(sel).count()) > 0, `"${sel}" must be in the rendered panel; html: ${await body.innerHTML()}`);
        }
        if (c.text) assert.ok((await body.textContent()).includes(c.text), `text "${c.text}" must show; got: ${await body.textContent()}`);
      });
    }
    const ran = await page.evaluate(() => ({ xss: window.__xss, calls: window.__xssCalls ?? [] }));
    assert.deepEqual(ran, { xss: undefined, calls: [] }, 'no payload ran');
  });
});
