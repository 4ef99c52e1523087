// Editing and saving a dashboard: the panel editor's title change is saved and survives a
// reload; a save from a page that opened an older version gets the conflict banner, and
// "Save and overwrite" wins. The dashboards here are saved through the API (not provisioned).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPage, shot, signIn } from '../lib/browser.mjs';
import { useServer } from '../lib/harness.mjs';
import { openDashboard, openPanelMenu, panel } from '../lib/dashboard.mjs';
import { fixture } from '../lib/server.mjs';

const h = useServer();

async function createDashboard(uid, title) {
  const dashboard = { ...fixture('saved-dashboard.json'), uid, title };
  const res = await h.server.api('POST', '/api/dashboards/db', { dashboard, overwrite: false });
  return res.json.version;
}

/** Panel menu > Edit, a new title, Apply: the dashboard is now dirty. */
async function retitle(page, from, to) {
  await (await openPanelMenu(page, from)).getByRole('menuitem', { name: 'Edit' }).click();
  const editor = page.getByRole('dialog', { name: 'Edit panel' });
  await editor.getByLabel('Title').fill(to);
  await editor.getByRole('button', { name: 'Apply' }).click();
  await editor.waitFor({ state: 'detached' });
  await panel(page, to).waitFor();
}

const saveButton = (page) => page.getByRole('banner').getByRole('button', { name: 'Save', exact: true });

test('a title changed in the panel editor is saved and still there after a reload', { timeout: 60_000 }, async () => {
  const v1 = await createDashboard('e2e-edit', 'E2E edit');
  await h.withPage('edit-and-save', { login: true }, async ({ page, server }) => {
    await openDashboard(page, 'e2e-edit');
    await retitle(page, 'Pressure', 'Boiler pressure');
    await saveButton(page).click();
    await page.getByRole('status').filter({ hasText: 'Dashboard saved' }).waitFor();
    assert.equal(await saveButton(page).count(), 0, 'nothing left to save');
    await shot(page, 'edit-and-save-saved');

    await page.reload();
    await panel(page, 'Boiler pressure').waitFor();
    assert.equal(await panel(page, 'Pressure').count(), 0);
    const saved = (await server.api('GET', '/api/dashboards/uid/e2e-edit')).json;
    assert.equal(saved.dashboard.panels[0].title, 'Boiler pressure');
    assert.equal(saved.meta.version ?? saved.dashboard.version, v1 + 1);
  });
});

test('saving over a newer version shows the conflict banner; overwrite saves', { timeout: 90_000 }, async () => {
  await createDashboard('e2e-conflict', 'E2E conflict');
  // A second person, in another browser context, opened the same version.
  const other = await newPage(h.browser, h.server.url);
  try {
    await signIn(other.page, h.server.password);
    await openDashboard(other.page, 'e2e-conflict');
    await h.withPage('edit-conflict', { login: true }, async ({ page, server }) => {
      await openDashboard(page, 'e2e-conflict');
      // The other one saves first.
      await retitle(other.page, 'Speed', 'Speed (theirs)');
      await saveButton(other.page).click();
      await other.page.getByRole('status').filter({ hasText: 'Dashboard saved' }).waitFor();

      // Now this page, still on the old version, saves.
      await retitle(page, 'Speed', 'Speed (mine)');
      await saveButton(page).click();
      const banner = page.getByRole('alert').filter({ hasText: 'Someone else has updated this dashboard' });
      await banner.waitFor();
      await shot(page, 'edit-conflict-banner');
      assert.equal((await server.api('GET', '/api/dashboards/uid/e2e-conflict')).json.dashboard.panels[1].title, 'Speed (theirs)');

      await banner.getByRole('button', { name: 'Save and overwrite' }).click();
      await page.getByRole('status').filter({ hasText: 'Dashboard saved' }).waitFor();
      assert.equal(await banner.count(), 0);
      assert.equal((await server.api('GET', '/api/dashboards/uid/e2e-conflict')).json.dashboard.panels[1].title, 'Speed (mine)');
      await page.reload();
      await panel(page, 'Speed (mine)').waitFor();
    });
    if (other.errors.length) throw new Error(`errors in the other page:\n${other.errors.join('\n')}`);
  } finally {
    await other.context.close();
  }
});
