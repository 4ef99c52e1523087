// Starts the real `pulsegrid` binary for one test file: port 0 on loopback (the port is read
// from the "listening on" line it prints), a temp data dir, a temp dashboards dir holding the
// fixture dashboards the test asks for, and the admin password below. Waits on /api/health;
// `stop()` sends SIGTERM, then SIGKILL after a grace period, and removes the temp dirs.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = join(E2E_DIR, 'fixtures');
export const REPO = resolve(E2E_DIR, '../..');
/** The real Grafana dashboards of the compatibility corpus (never copied into the repo). */
export const GRAFANA_CORPUS = process.env.PULSEGRID_GRAFANA_CORPUS ?? resolve(REPO, '../shared/grafana-dashboards');
export const ADMIN_PASSWORD = 'e2e-Admin-pw-1';

/** The binary under test: `PULSEGRID_BIN`, else the workspace's debug build. */
export function binaryPath() {
  const bin = process.env.PULSEGRID_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(REPO, 'target'), 'debug', 'pulsegrid');
  if (!existsSync(bin)) throw new Error(`pulsegrid binary not found at ${bin}: build it (cargo build --bin pulsegrid) and set PULSEGRID_BIN`);
  return bin;
}

/**
 * @typedef {object} ServerOptions
 * @property {(string | {name: string, json: object})[]} [dashboards] fixture file names (in
 *   e2e/fixtures/), absolute paths, or generated dashboards; the repo's default dashboard
 *   `pulsegrid-overview.json` is always there unless `defaultDashboards: false`
 * @property {boolean} [defaultDashboards]
 * @property {string} [datasources] YAML text of Grafana datasource provisioning
 * @property {(string | {name: string, text: string})[]} [rules] rule files for the temp
 *   PULSEGRID_RULES_DIR: fixture file names (in e2e/fixtures/), absolute paths, or generated text
 * @property {Record<string, string>} [env] more PULSEGRID_* settings
 */

/** Starts a server; resolves to `{ url, port, password, dataDir, dashboardsDir, rulesDir, logs(), stop() }`. */
export async function startServer(/** @type {ServerOptions} */ opts = {}) {
  const root = mkdtempSync(join(tmpdir(), 'pulsegrid-e2e-'));
  const dataDir = join(root, 'data');
  const dashboardsDir = join(root, 'dashboards');
  const rulesDir = join(root, 'alert-rules');
  mkdirSync(dataDir);
  mkdirSync(dashboardsDir);
  mkdirSync(rulesDir);
  if (opts.defaultDashboards !== false) cpSync(join(REPO, 'dashboards', 'pulsegrid-overview.json'), join(dashboardsDir, 'pulsegrid-overview.json'));
  for (const d of opts.dashboards ?? []) {
    if (typeof d === 'string') {
      const src = d.startsWith('/') ? d : join(FIXTURES, d);
      cpSync(src, join(dashboardsDir, basename(src)));
    } else {
      writeFileSync(join(dashboardsDir, d.name), JSON.stringify(d.json, null, 2));
    }
  }
  for (const r of opts.rules ?? []) {
    if (typeof r === 'string') {
      const src = r.startsWith('/') ? r : join(FIXTURES, r);
      cpSync(src, join(rulesDir, basename(src)));
    } else {
      writeFileSync(join(rulesDir, r.name), r.text);
    }
  }
  // The server refuses unknown PULSEGRID_* variables (PULSEGRID_BIN is ours): pass none through.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PULSEGRID_')));
  const env = {
    ...inherited,
    PULSEGRID_HTTP_ADDR: '127.0.0.1:0',
    PULSEGRID_DATA_DIR: dataDir,
    PULSEGRID_DASHBOARDS_DIR: dashboardsDir,
    PULSEGRID_RULES_DIR: rulesDir,
    PULSEGRID_ADMIN_PASSWORD: ADMIN_PASSWORD,
    PULSEGRID_LOG: process.env.PULSEGRID_LOG ?? 'warn',
    ...(opts.env ?? {}),
  };
  if (opts.datasources) {
    const file = join(root, 'datasources.yaml');
    writeFileSync(file, opts.datasources);
    env.PULSEGRID_DATASOURCES = file;
  }

  const child = spawn(binaryPath(), ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (b) => {
    output += b.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));

  const cleanup = () => rmSync(root, { recursive: true, force: true });
  let url;
  try {
    const port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`pulsegrid did not print its address within 20 s:\n${output}`)), 20_000);
      const check = () => {
        const m = /listening on http:\/\/[^\s:]+:(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          res(Number(m[1]));
        }
      };
      child.stdout.on('data', check);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        rej(new Error(`pulsegrid exited (${code ?? signal}) before listening:\n${output}`));
      });
      check();
    });
    url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const res = await fetch(`${url}/api/health`);
        if (res.ok) break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`pulsegrid at ${url} not healthy within 20 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    cleanup();
    throw e;
  }

  let stopped = false;
  const server = {
    url,
    port: Number(new URL(url).port),
    password: ADMIN_PASSWORD,
    dataDir,
    dashboardsDir,
    rulesDir,
    logs: () => output,
    /** Basic credentials of the admin, for API calls from the test. */
    authHeader: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      cleanup();
    },
    /** An authenticated API call as admin; throws on a non-2xx answer unless `allow` has its status. */
    async api(method, path, body, { allow = [], headers = {} } = {}) {
      const init = { method, headers: { Authorization: server.authHeader, ...headers } };
      if (body !== undefined) {
        if (typeof body === 'string') init.body = body;
        else {
          init.body = JSON.stringify(body);
          init.headers['Content-Type'] = 'application/json';
        }
      }
      const res = await fetch(`${url}${path}`, init);
      const text = await res.text();
      if (!res.ok && !allow.includes(res.status)) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      let json;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: res.status, json };
    },
    /** Influx line protocol into stream `db` (POST /write?db=...&precision=ms). */
    async write(lines, db = 'plant', precision = 'ms') {
      const body = Array.isArray(lines) ? lines.join('\n') : lines;
      await server.api('POST', `/write?db=${encodeURIComponent(db)}&precision=${precision}`, body, { headers: { 'Content-Type': 'text/plain' } });
    },
  };
  return server;
}

/** Reads a fixture dashboard (JSON) by file name. */
export function fixture(name) {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}
