#!/usr/bin/env node
// The UI benchmark (issue 5): a dashboard of 12 time series panels x 10 series x 1,000 points,
// in headless Chromium against the real `pulsegrid` binary.
//
//  (a) time from navigation start to all 12 panels drawn: the first animation frame in which
//      every panel has its uPlot canvas and its 10 series (legend), read with performance.now()
//      (0 = navigation start); checked afterwards that every canvas has series pixels. Median
//      of 5 loads (warm HTTP cache, fresh page each), plus the first (cold) load.
//  (b) main-thread time while live: every series gets 10 points/s (a writer posting 120 lines
//      to /write every 100 ms), measured over 20 s with the DevTools Protocol's
//      Performance.getMetrics (TaskDuration, ScriptDuration deltas) -> % of one core.
//
// The data: 120 series `bench{panel="pNN",s="K"}` in stream `bench`, 1,000 points each over the
// dashboard's range (now-5m), written with /write before the browser opens.
//
//   PULSEGRID_BIN=/abs/path/pulsegrid node e2e/bench.mjs     (npm run bench)
//
// Use a release build of the server for figures worth quoting (a debug build answers the
// panels' first queries several times slower). BENCH_RUNS and BENCH_LIVE_SECONDS override 5
// and 20.

import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { launchBrowser, CHROMIUM } from './lib/browser.mjs';
import { binaryPath, startServer } from './lib/server.mjs';
import { waitUntil } from './lib/wait.mjs';

/** The browser window: BENCH_VIEWPORT=WxH (1920x1080 by default; 1920x2000 shows all 12 panels). */
const VIEWPORT = (() => {
  const m = /^(\d+)x(\d+)$/.exec(process.env.BENCH_VIEWPORT ?? '1920x1080');
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 1920, height: 1080 };
})();

const PANELS = 12;
const SERIES = 10;
const POINTS = 1000;
const RANGE_MS = 5 * 60_000;
const LIVE_HZ = 10;
const LIVE_SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_DRAWN_MS = 1000;
const TARGET_CPU = 20;

const pad = (n) => String(n).padStart(2, '0');
const dashboard = {
  uid: 'bench-12x10',
  title: 'Bench 12 x 10 x 1000',
  schemaVersion: 39,
  timezone: 'utc',
  time: { from: 'now-5m', to: 'now' },
  refresh: '',
  panels: Array.from({ length: PANELS }, (_, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: `Panel ${pad(i + 1)}`,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    datasource: { type: 'pulsegrid', uid: 'pulsegrid' },
    targets: [{ refId: 'A', expr: `bench{panel="p${pad(i + 1)}"}` }],
    fieldConfig: { defaults: { unit: 'short' }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'single' } },
  })),
};

function seriesValue(p, s, t) {
  return (50 + 20 * Math.sin(t / 20_000 + p) + 5 * Math.sin(t / 3_000 + s * 0.7) + s * 3).toFixed(3);
}

async function history(server) {
  const now = Date.now();
  const step = RANGE_MS / POINTS;
  for (let p = 1; p <= PANELS; p += 3) {
    const lines = [];
    for (let pp = p; pp < p + 3 && pp <= PANELS; pp++)
      for (let s = 0; s < SERIES; s++)
        for (let k = POINTS; k >= 1; k--) {
          const t = Math.round(now - k * step);
          lines.push(`bench,panel=p${pad(pp)},s=${s} value=${seriesValue(pp, s, t)} ${t}`);
        }
    await server.write(lines, 'bench');
  }
}

/** Writes one point per series every 1/LIVE_HZ s until stopped; returns stop() -> stats. */
function liveWriter(server) {
  let stopped = false;
  let points = 0;
  let writes = 0;
  let late = 0;
  const started = Date.now();
  const loop = (async () => {
    let tick = started;
    while (!stopped) {
      const t = Date.now();
      const lines = [];
      for (let p = 1; p <= PANELS; p++) for (let s = 0; s < SERIES; s++) lines.push(`bench,panel=p${pad(p)},s=${s} value=${seriesValue(p, s, t)} ${t}`);
      await server.write(lines, 'bench');
      points += lines.length;
      writes++;
      tick += 1000 / LIVE_HZ;
      const wait = tick - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else late++;
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    const secs = (Date.now() - started) / 1000;
    return { pointsPerSecond: points / secs, writes, late };
  };
}

/**
 * Installed before the app loads: marks the first frame in which all panels are drawn, and
 * when the WebSocket opened and its replace frames (the panels' history) arrived.
 */
function drawnProbe({ panels, series }) {
  const Native = window.WebSocket;
  const ws = (window.__benchWs = { created: null, open: null, firstReplace: null, lastReplace: null, replaces: 0 });
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      ws.created ??= performance.now();
      this.addEventListener('open', () => (ws.open ??= performance.now()));
      this.addEventListener('message', (e) => {
        if (typeof e.data === 'string' && e.data.slice(0, 80).includes('"replace":true')) {
          ws.firstReplace ??= performance.now();
          ws.lastReplace = performance.now();
          ws.replaces++;
        }
      });
    }
  };
  const check = () => {
    const sections = document.querySelectorAll('section.panel');
    let ready = 0;
    for (const s of sections) {
      if (s.querySelector('.uplot canvas') && s.querySelectorAll('.pg-legend .pg-legend-item:not(.calc)').length >= series) ready++;
    }
    if (ready >= panels) {
      window.__benchDrawn = performance.now();
      performance.mark('pulsegrid:all-panels-drawn');
      return;
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/** Every canvas has series pixels (checked once, after timing). */
function canvasesHaveSeries() {
  let ok = 0;
  for (const s of document.querySelectorAll('section.panel')) {
    const c = s.querySelector('.uplot canvas');
    if (!c) continue;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 16) if (px[i + 3] > 60 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 60) n++;
    if (n > 100) ok++;
  }
  return ok;
}

async function loadOnce(context, server, errors) {
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(drawnProbe, { panels: PANELS, series: SERIES });
  // What the page receives: WebSocket frames, bytes, and points appended by live frames.
  const rx = { frames: 0, bytes: 0, appended: 0 };
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      rx.frames++;
      const text = typeof f.payload === 'string' ? f.payload : f.payload.toString();
      rx.bytes += text.length;
      if (text.includes('"replace":false')) {
        try {
          for (const s of JSON.parse(text).series ?? []) rx.appended += s.t?.length ?? 0;
        } catch {
          /* not JSON */
        }
      }
    }),
  );
  await page.goto(`${server.url}/d/${dashboard.uid}`);
  const drawnAt = await waitUntil(() => page.evaluate(() => window.__benchDrawn), { timeout: 60_000, message: 'all panels drawn' });
  const withSeries = await page.evaluate(canvasesHaveSeries);
  const phases = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const dash = performance.getEntriesByType('resource').find((r) => r.name.includes('/api/dashboards/uid/'));
    return { domContentLoaded: nav?.domContentLoadedEventEnd, dashboardJson: dash?.responseEnd, ...window.__benchWs };
  });
  if (withSeries !== PANELS) throw new Error(`only ${withSeries} of ${PANELS} canvases have series drawn`);
  return { page, drawnAt, phases, rx: { ...rx }, live: rx };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const server = await startServer({ defaultDashboards: false, dashboards: [{ name: 'bench.json', json: dashboard }], env: { PULSEGRID_LOG: 'warn' } });
  const browser = await launchBrowser();
  const errors = [];
  try {
    const t0 = performance.now();
    await history(server);
    console.error(`bench: wrote ${PANELS * SERIES} series x ${POINTS} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // (a) time to drawn.
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: 'dark' });
    const cold = await loadOnce(context, server, errors);
    await cold.page.close();
    const runs = [];
    const phases = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await loadOnce(context, server, errors);
      runs.push(r.drawnAt);
      phases.push(r.phases);
      console.error(`bench: load ${i + 1}: all ${PANELS} panels drawn at ${r.drawnAt.toFixed(0)} ms (${r.rx.frames} WebSocket frames, ${(r.rx.bytes / 1e6).toFixed(1)} MB so far)`);
      await r.page.close();
    }

    // (b) main-thread time while live.
    const live = await loadOnce(context, server, errors);
    const page = live.page;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
    const stopWriter = liveWriter(server);
    await new Promise((r) => setTimeout(r, 2000)); // settle into the live rhythm
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const rafCount = () => page.evaluate(() => new Promise((res) => { let n = 0; const end = performance.now() + 1000; const f = () => { n++; if (performance.now() < end) requestAnimationFrame(f); else res(n); }; requestAnimationFrame(f); }));
    const before = await metrics();
    const rx0 = { ...live.live };
    const wall0 = performance.now();
    await new Promise((r) => setTimeout(r, LIVE_SECONDS * 1000));
    const after = await metrics();
    const wall = (performance.now() - wall0) / 1000;
    const rx1 = { ...live.live };
    const fps = await rafCount();
    const writer = await stopWriter();
    const pct = (k) => (100 * ((after[k] ?? 0) - (before[k] ?? 0))) / wall;
    const durations = Object.fromEntries(Object.keys(after).filter((k) => k.endsWith('Duration')).map((k) => [k, pct(k)]));
    const stillDrawn = await page.evaluate(canvasesHaveSeries);
    const result = {
      coldMs: cold.drawnAt,
      runsMs: runs,
      medianMs: median(runs),
      phase: Object.fromEntries(['domContentLoaded', 'dashboardJson', 'created', 'open', 'firstReplace', 'lastReplace'].map((k) => [k, median(phases.map((p) => p[k] ?? NaN))])),
      durations,
      taskPct: pct('TaskDuration'),
      scriptPct: pct('ScriptDuration'),
      layoutPct: pct('LayoutDuration') + pct('RecalcStyleDuration'),
      wall,
      writer,
      fps,
      stillDrawn,
      heapMB: after.JSHeapUsedSize / 1e6,
      rxFrames: (rx1.frames - rx0.frames) / wall,
      rxPoints: (rx1.appended - rx0.appended) / wall,
    };
    await page.close();
    await context.close();
    report(result);
    if (errors.length) {
      console.error(`bench: page errors:\n${errors.join('\n')}`);
      process.exitCode = 1;
    }
  } catch (e) {
    console.error(`bench: server log (last lines):\n${server.logs().trim().split('\n').slice(-30).join('\n')}`);
    throw e;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

function report(r) {
  let chromium = '';
  try {
    chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    chromium = 'chromium';
  }
  const ok = (v, t) => (v < t ? 'yes' : '**no**');
  console.log(`
Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}; ${chromium}, headless, software rendering; viewport ${VIEWPORT.width}x${VIEWPORT.height}.
Server: ${binaryPath()}${/\/debug\//.test(binaryPath()) ? ' (a debug build: the server answers slower than a release build)' : ''}.
Dashboard: ${PANELS} timeseries panels x ${SERIES} series x ${POINTS} points (pulsegrid source, range now-5m).

| measure | result | target | met |
| --- | --- | --- | --- |
| navigation start -> all ${PANELS} panels drawn, median of ${r.runsMs.length} (warm cache) | ${r.medianMs.toFixed(0)} ms (runs: ${r.runsMs.map((x) => x.toFixed(0)).join(', ')}) | < ${TARGET_DRAWN_MS} ms | ${ok(r.medianMs, TARGET_DRAWN_MS)} |
| same, first load (cold cache) | ${r.coldMs.toFixed(0)} ms | | |
| main thread while live (${SERIES * PANELS} series x ${LIVE_HZ} points/s), TaskDuration over ${r.wall.toFixed(0)} s | ${r.taskPct.toFixed(1)} % of one core | < ${TARGET_CPU} % | ${ok(r.taskPct, TARGET_CPU)} |
| of which script (ScriptDuration) | ${r.scriptPct.toFixed(1)} % | | |
| of which style + layout | ${r.layoutPct.toFixed(1)} % | | |
| points written while live | ${r.writer.pointsPerSecond.toFixed(0)} /s (${r.writer.writes} writes, ${r.writer.late} late) | ${PANELS * SERIES * LIVE_HZ} /s | |
| live points received by the page | ${r.rxPoints.toFixed(0)} /s in ${r.rxFrames.toFixed(0)} WebSocket frames/s | | |
| animation frames/s while live | ${r.fps} | | |
| JS heap after live | ${r.heapMB.toFixed(0)} MB | | |
`);
  const ph = r.phase;
  console.log(`Load phases (median, ms after navigation start): DOMContentLoaded ${ph.domContentLoaded.toFixed(0)}, dashboard JSON ${ph.dashboardJson.toFixed(0)}, WebSocket created ${ph.created.toFixed(0)}, open ${ph.open.toFixed(0)}, first replace frame ${ph.firstReplace.toFixed(0)}, last of ${PANELS} ${ph.lastReplace.toFixed(0)}, all drawn ${r.medianMs.toFixed(0)}.`);
  console.log(`Main-thread time while live by DevTools metric (% of one core): ${Object.entries(r.durations).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}.`);
  if (r.stillDrawn !== PANELS) console.log(`warning: after the live phase only ${r.stillDrawn} of ${PANELS} canvases show series`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
