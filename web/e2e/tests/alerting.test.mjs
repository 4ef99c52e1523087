// Alerting end to end: a provisioned Pulsegrid rule (fixtures/e2e-alerting-rules.yml) fires on
// values written with line protocol; /alerting shows it firing with its instance and history; a
// silence made from the alert mutes it and can be expired; the outbox tab renders; the linked
// time series panel (fixtures/e2e-alerting.json) draws a firing band; a viewer sees no write
// action. The rule carries a label `<img src=x onerror=alert(1)>`: it must show as text (a
// dialog or an <img> would fail the test).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { openDashboard, panel, waitDrawn } from '../lib/dashboard.mjs';
import { waitUntil } from '../lib/wait.mjs';

const h = useServer({ dashboards: ['e2e-alerting.json'], rules: ['e2e-alerting-rules.yml'] });

const RULE = 'E2ETempHigh';
const XSS = '<img src=x onerror=alert(1)>';
/** The rule evaluates on arriving points and the page refreshes every 10 s: be patient. */
const PATIENCE = Math.max(30_000, Number(process.env.E2E_WAIT_MS ?? 0));

/** Writes `e2e_temp{site="a"}` points ending above the threshold, and keeps writing 9.5 every second. */
async function keepFiring(server) {
  const now = Date.now();
  await server.write([`e2e_temp,site=a value=6.5 ${now - 40_000}`, `e2e_temp,site=a value=7.25 ${now - 20_000}`, `e2e_temp,site=a value=9.5 ${now}`]);
  const timer = setInterval(() => void server.write(`e2e_temp,site=a value=9.5 ${Date.now()}`).catch(() => undefined), 1000);
  return () => clearInterval(timer);
}

/**
 * Waits until `check()` is truthy on the page, reloading it every few seconds (quicker than the
 * page's own 10 s refresh).
 */
async function waitOnPage(page, check, message) {
  let reloaded = Date.now();
  return waitUntil(
    async () => {
      const ok = await check();
      if (!ok && Date.now() - reloaded > 3000) {
        reloaded = Date.now();
        await page.reload();
      }
      return ok;
    },
    { timeout: PATIENCE, interval: 250, message },
  );
}

const tab = (page, name) => page.getByRole('tab', { name, exact: true });
const ruleItem = (page) => page.locator(`li.al-rule[data-rule="${RULE}"]`);
const alertRow = (page) => page.locator(`tr[data-alertname="${RULE}"]`);

test('a provisioned rule fires on written values and shows as firing on /alerting', { timeout: 120_000 }, async () => {
  const stop = await keepFiring(h.server);
  try {
    await h.withPage('alerting-rules', { login: true }, async ({ page }) => {
      await page.goto('/alerting');
      await tab(page, 'Alert rules').waitFor();
      assert.equal(await tab(page, 'Alert rules').getAttribute('aria-selected'), 'true');
      await waitOnPage(page, async () => (await ruleItem(page).locator('.al-rule-head [data-state="firing"]').count()) > 0, `${RULE} shown as firing`);
      await page.getByRole('region', { name: /^Rule file .*e2e-alerting-rules\.yml$/ }).waitFor();

      // Expanded: definition and the instance with its value, the label shown as text.
      await ruleItem(page).getByRole('button', { name: RULE }).click();
      assert.equal(await ruleItem(page).getByRole('button', { name: RULE }).getAttribute('aria-expanded'), 'true');
      const item = ruleItem(page);
      await item.getByText('e2e_temp{site="a"}').waitFor();
      await item.getByText('> 8').first().waitFor();
      const instances = page.getByRole('table', { name: `Instances of ${RULE}` });
      const row = instances.locator('tbody tr[data-state="firing"]').first();
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /9\.5/);
      assert.ok(((await row.textContent()) ?? '').includes(XSS), 'the label value shows as text');
      assert.equal(await page.locator('img[src="x"]').count(), 0, 'no <img> from a label');

      // Its history: a transition to firing.
      await row.getByRole('link', { name: new RegExp(`^State history of ${RULE}`) }).click();
      await page.waitForURL((u) => u.searchParams.get('tab') === 'history' && u.searchParams.get('alertname') === RULE);
      assert.equal(await tab(page, 'History').getAttribute('aria-selected'), 'true');
      await waitOnPage(page, async () => (await page.getByRole('table', { name: 'State changes' }).locator('tr[data-to="firing"]').count()) > 0, 'a transition to firing');
      await page.locator('.al-timeline .al-seg.al-firing').first().waitFor();
    });
  } finally {
    stop();
  }
});

test('a silence made from the alert mutes it, and can be expired', { timeout: 120_000 }, async () => {
  const stop = await keepFiring(h.server);
  try {
    await h.withPage('alerting-silence', { login: true }, async ({ page }) => {
      await page.goto('/alerting?tab=alerts');
      await waitOnPage(page, async () => (await alertRow(page).locator('[data-state="firing"]').count()) > 0, `${RULE} in the alerts list`);
      await alertRow(page).getByRole('button', { name: new RegExp(`^Silence ${RULE}`) }).click();

      const dialog = page.getByRole('dialog', { name: 'New silence' });
      await dialog.waitFor();
      // Prefilled from the alert's labels, alertname first.
      assert.equal(await dialog.getByLabel('Matcher 1 label name').inputValue(), 'alertname');
      assert.equal(await dialog.getByLabel('Matcher 1 value').inputValue(), RULE);
      const names = await dialog.locator('.al-matcher input[aria-label$="label name"]').evaluateAll((els) => els.map((e) => e.value));
      assert.ok(names.includes('site') && names.includes('team'), `matchers for every label: ${names}`);
      assert.equal(await dialog.getByLabel('Created by').inputValue(), 'admin');
      // Without a comment it is refused in the form.
      await dialog.getByRole('button', { name: 'Create silence' }).click();
      await dialog.getByText('Say why', { exact: false }).waitFor();
      await dialog.getByLabel('Comment').fill('e2e maintenance window');
      await dialog.getByLabel('Duration (30m, 2h, 1d)').fill('1h');
      await dialog.getByRole('button', { name: 'Create silence' }).click();
      await dialog.waitFor({ state: 'detached' });

      // Listed as active.
      await page.waitForURL((u) => u.searchParams.get('tab') === 'silences');
      const active = page.getByRole('region', { name: 'Active silences' });
      const silenceRow = active.locator('tr[data-state="active"]', { hasText: 'e2e maintenance window' });
      await silenceRow.waitFor();
      assert.ok(((await silenceRow.textContent()) ?? '').includes(`alertname="${RULE}"`));
      const id = await silenceRow.getAttribute('data-silence-id');
      assert.ok(id, 'the row names its silence');

      // The alert shows as silenced.
      await tab(page, 'Alerts').click();
      await waitOnPage(page, async () => (await alertRow(page).locator('[data-state="silenced"]').count()) > 0, `${RULE} shown as silenced`);
      assert.equal(await alertRow(page).getByRole('button', { name: /^Silence / }).count(), 0, 'no "Silence" on a silenced alert');

      // Expire it: it leaves the active list and is listed as expired.
      await tab(page, 'Silences').click();
      await page.getByRole('button', { name: `Expire silence ${id}` }).click();
      await page.getByRole('status').filter({ hasText: `Silence ${id} expired.` }).waitFor();
      await waitUntil(async () => (await page.locator(`tr[data-silence-id="${id}"][data-state="expired"]`).count()) === 1, { message: 'the silence listed as expired' });
      assert.equal(await active.locator(`tr[data-silence-id="${id}"]`).count(), 0);
    });
  } finally {
    stop();
  }
});

test('the outbox tab shows counts or says it is empty', { timeout: 60_000 }, () =>
  h.withPage('alerting-outbox', { login: true }, async ({ page }) => {
    await page.goto('/alerting?tab=outbox');
    await page.getByLabel('Filter by status').waitFor();
    await waitUntil(
      async () =>
        (await page.getByRole('group', { name: 'Notifications by status' }).count()) > 0 &&
        ((await page.getByRole('table', { name: 'Notifications' }).count()) > 0 || (await page.getByText('Nothing sent yet').count()) > 0),
      { message: 'outbox counts and a list or its empty state' },
    );
    assert.equal(await page.locator('.banner.error').count(), 0, 'no load error');
    await page.getByLabel('Filter by status').selectOption('failed');
    await page.waitForURL((u) => u.searchParams.get('status') === 'failed');
    assert.equal(await page.getByRole('button', { name: /failed/ }).getAttribute('aria-pressed'), 'true');
    // The tabs are keyboard-operable (arrow keys move between them).
    await tab(page, 'Outbox').focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForURL((u) => u.searchParams.get('tab') === 'history');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'History');
  }));

test('the linked time series panel draws a firing band', { timeout: 120_000 }, async () => {
  const stop = await keepFiring(h.server);
  try {
    await h.withPage('alerting-panel-band', { login: true }, async ({ page }) => {
      await openDashboard(page, 'e2e-alerting');
      const temp = panel(page, 'Temperature');
      await waitDrawn(temp);
      await waitOnPage(page, async () => (await temp.locator('.uplot[data-alert-states~="firing"]').count()) > 0, 'a firing band on the panel');
      // Reddish pixels in the plot area (the band), and the tooltip names the alert.
      const red = await temp.evaluate((el) => {
        const c = el.querySelector('.uplot canvas');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i] > px[i + 1] + 20 && px[i] > px[i + 2] + 10 && px[i + 3] > 0) n++;
        return n;
      });
      assert.ok(red > 50, `red band pixels: ${red}`);
      const box = await temp.locator('.u-over').boundingBox();
      await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
      await page.getByRole('tooltip').filter({ hasText: `${RULE} firing` }).waitFor();
    });
  } finally {
    stop();
  }
});

test('a viewer sees alerts and silences but no write action', { timeout: 120_000 }, async () => {
  const stop = await keepFiring(h.server);
  try {
    // A silence to list (made by the admin through the API), on another alert name.
    const start = new Date();
    await h.server.api('POST', '/api/v2/silences', {
      matchers: [{ name: 'alertname', value: 'SomethingElse', isRegex: false, isEqual: true }],
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
      createdBy: 'admin',
      comment: 'viewer sees this',
    });
    await h.withPage('alerting-viewer', async ({ page }) => {
      await page.goto('/alerting?tab=alerts');
      await waitOnPage(page, async () => (await alertRow(page).count()) > 0, `${RULE} in the alerts list`);
      assert.equal(await page.getByRole('button', { name: /^Silence / }).count(), 0, 'no "Silence" action');

      await tab(page, 'Silences').click();
      await page.getByText('viewer sees this').waitFor();
      await page.getByText('Sign in as an editor to create or expire silences.').waitFor();
      for (const name of [/^New silence$/, /^Expire silence/, /^Edit silence/, /^Recreate silence/]) {
        assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button`);
      }
    });
  } finally {
    stop();
  }
});
