// Reading a dashboard page the way a user sees it: panels by title (each panel is a labelled
// region), whether a time series has drawn its data, a stat's value, the subscriptions the page
// sends on its WebSocket.

import { waitUntil } from './wait.mjs';

/** The panel titled `title` (a `<section aria-label=title>`, i.e. a region). */
export function panel(page, title) {
  return page.getByRole('region', { name: title, exact: true });
}

/** Opens `/d/{uid}` (with an optional query) and waits for the first panel. */
export async function openDashboard(page, uid, query = '') {
  await page.goto(`/d/${encodeURIComponent(uid)}${query ? `?${query.replace(/^\?/, '')}` : ''}`);
  await page.locator('section.panel').first().waitFor();
}

/**
 * What a panel shows, read in the page: whether a uPlot canvas is there and how many of its
 * pixels are colourful (series and fills; axes, grid and text are grey), plus its notices.
 */
export function panelState(section) {
  return section.evaluate((el) => {
    const canvases = [...el.querySelectorAll('.uplot canvas')];
    let colourful = 0;
    for (const c of canvases) {
      if (!c.width || !c.height) continue;
      const ctx = c.getContext('2d');
      if (!ctx) continue;
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < px.length; i += 16) {
        const r = px[i];
        const g = px[i + 1];
        const b = px[i + 2];
        if (px[i + 3] > 60 && Math.max(r, g, b) - Math.min(r, g, b) > 60) colourful++;
      }
    }
    return {
      uplot: canvases.length > 0,
      colourful,
      notice: el.querySelector('.panel-notice')?.textContent?.trim() ?? null,
      status: [...el.querySelectorAll('.panel-status')].map((s) => s.textContent?.trim()).join(' | ') || null,
      text: el.textContent?.replace(/\s+/g, ' ').trim() ?? '',
    };
  });
}

/** Waits until the time series panel has drawn data (a uPlot canvas with coloured lines). */
export async function waitDrawn(section, { timeout, minColourful = 30 } = {}) {
  return waitUntil(
    async () => {
      const s = await panelState(section);
      return s.uplot && s.colourful >= minColourful ? s : false;
    },
    { timeout, message: 'a uPlot canvas with series drawn' },
  );
}

/** The text of a stat panel's value (first value when several). */
export async function statValue(section) {
  const v = section.locator('.stat-value').first();
  return (await v.count()) ? ((await v.textContent()) ?? '').replace(/\s+/g, ' ').trim() : null;
}

/** Waits until the stat shows a value matching `re`; returns the text. */
export async function waitStat(section, re, opts = {}) {
  return waitUntil(async () => {
    const t = await statValue(section);
    return t !== null && re.test(t) ? t : false;
  }, { message: `a stat value matching ${re}`, ...opts });
}

/**
 * Records the page's WebSocket subscribe messages (call before navigating): returns the list,
 * filled as the page sends them.
 */
export function recordSubscriptions(page) {
  const subs = [];
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/api/live/ws')) return;
    ws.on('framesent', (f) => {
      try {
        const msg = JSON.parse(typeof f.payload === 'string' ? f.payload : f.payload.toString());
        if (msg.op === 'subscribe') subs.push(msg);
      } catch {
        /* not JSON */
      }
    });
  });
  return subs;
}

/** The series names in a time series panel's legend. */
export async function legendLabels(section) {
  return (await section.locator('.pg-legend .pg-legend-item:not(.calc)').allTextContents()).map((t) => t.trim());
}

/** Opens a panel's menu as a mouse user does: hover the panel (the button shows), click it. */
export async function openPanelMenu(page, title) {
  const p = panel(page, title);
  await p.hover();
  await p.getByRole('button', { name: `Menu of panel ${title}` }).click();
  const menu = p.getByRole('menu');
  await menu.waitFor();
  return menu;
}
