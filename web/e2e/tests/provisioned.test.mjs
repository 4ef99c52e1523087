// A provisioned dashboard is read-only in the UI and says why: after an edit its Save button is
// disabled with the reason, and a note names the file it comes from.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { openDashboard, openPanelMenu, panel } from '../lib/dashboard.mjs';

const h = useServer({ dashboards: ['e2e-basics.json'] });

test('editing a provisioned dashboard offers no save, and says why', { timeout: 60_000 }, () =>
  h.withPage('provisioned-read-only', { login: true }, async ({ page }) => {
    await openDashboard(page, 'e2e-basics');
    const bar = page.getByRole('banner');
    await bar.getByText('provisioned', { exact: true }).waitFor();

    await (await openPanelMenu(page, 'Walk')).getByRole('menuitem', { name: 'Edit' }).click();
    const editor = page.getByRole('dialog', { name: 'Edit panel' });
    await editor.getByLabel('Title').fill('Walk (edited)');
    await editor.getByRole('button', { name: 'Apply' }).click();
    await panel(page, 'Walk (edited)').waitFor();

    const save = bar.getByRole('button', { name: 'Save', exact: true });
    await save.waitFor();
    assert.equal(await save.isDisabled(), true, 'Save is disabled');
    assert.match((await save.getAttribute('title')) ?? '', /[Pp]rovisioned/);
    const note = page.getByRole('note').filter({ hasText: 'cannot be saved here' });
    await note.waitFor();
    assert.match(await note.textContent(), /e2e-basics\.json/);

    // The JSON editor can try changes but not save them either.
    await bar.getByRole('button', { name: 'Edit JSON' }).click();
    const dialog = page.getByRole('dialog', { name: 'Dashboard JSON' });
    assert.equal(await dialog.getByRole('button', { name: 'Save dashboard' }).isDisabled(), true);
    await dialog.getByRole('note').waitFor();
  }));
