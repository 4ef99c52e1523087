// Logging in: with anonymous access off (PULSEGRID_ANONYMOUS_ROLE=none) a visit goes to the
// login page, which signs in with the admin password and returns to where the user was; the
// top bar then shows who is signed in. A wrong password says so.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useServer } from '../lib/harness.mjs';
import { panel, waitDrawn } from '../lib/dashboard.mjs';

const h = useServer({ env: { PULSEGRID_ANONYMOUS_ROLE: 'none' } });

test('an anonymous visit goes to the login page; signing in returns to the dashboard', { timeout: 60_000 }, () =>
  h.withPage('login', async ({ page, server }) => {
    await page.goto('/d/pulsegrid-overview');
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === '/d/pulsegrid-overview');
    const form = page.getByRole('form', { name: 'Sign in to Pulsegrid' });
    await form.getByLabel('Username').fill('admin');
    await form.getByLabel('Password').fill(server.password);
    await form.getByRole('button', { name: 'Sign in' }).click();

    await page.waitForURL((u) => u.pathname === '/d/pulsegrid-overview');
    const bar = page.getByRole('banner');
    await bar.getByText('admin', { exact: true }).waitFor();
    await bar.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.equal(await bar.getByRole('link', { name: 'Sign in' }).count(), 0);
    await waitDrawn(panel(page, 'Random walk'));
    // The session is a cookie: a reload stays signed in.
    await page.reload();
    await bar.getByText('admin', { exact: true }).waitFor();
  }));

test('a wrong password is refused on the login page', { timeout: 60_000 }, () =>
  h.withPage('login-wrong-password', async ({ page }) => {
    await page.goto('/login');
    const form = page.getByRole('form', { name: 'Sign in to Pulsegrid' });
    await form.getByLabel('Username').fill('admin');
    await form.getByLabel('Password').fill('not-the-password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.getByRole('alert').filter({ hasText: 'Invalid username or password' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
  }));

test('signing out goes back to the login page', { timeout: 60_000 }, () =>
  h.withPage('logout', { login: true }, async ({ page }) => {
    await page.goto('/');
    const bar = page.getByRole('banner');
    await bar.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    // Without a session the dashboard list is not readable any more.
    await page.goto('/d/pulsegrid-overview');
    await page.waitForURL((u) => u.pathname === '/login');
  }));
