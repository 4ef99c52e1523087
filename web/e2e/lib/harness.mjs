// What every test file shares: one server and one browser for the file (started in `before`,
// stopped in `after`), and `withPage` to run one behaviour in a fresh browser context. A test
// fails on any page error or console error; a failing test leaves `<name>-FAILED.png` and the
// server's log excerpt in its error.

import { after, before } from 'node:test';
import { launchBrowser, newPage, shot, signIn } from './browser.mjs';
import { startServer } from './server.mjs';

/** Registers the file's server and browser; returns the handle the tests use. */
export function useServer(/** @type {import('./server.mjs').ServerOptions} */ opts = {}) {
  const h = {
    /** @type {Awaited<ReturnType<typeof startServer>>} */
    server: null,
    browser: null,
    /**
     * Runs `fn({ page, context, server })` in a new context; `login: true` signs in as admin
     * first. Saves `<name>.png` at the end (and `<name>-FAILED.png` on failure), the whole
     * page unless `fullPage: false` (huge dashboards: the viewport only).
     */
    async withPage(name, options, fn) {
      if (typeof options === 'function') [options, fn] = [{}, options];
      const { login = false, fullPage = true, ...pageOpts } = options;
      const { context, page, errors } = await newPage(h.browser, h.server.url, pageOpts);
      try {
        if (login) await signIn(page, h.server.password);
        await fn({ page, context, server: h.server, errors });
        if (errors.length) throw new Error(`errors in the page:\n${errors.join('\n')}`);
        await shot(page, name, { fullPage });
      } catch (e) {
        await shot(page, `${name}-FAILED`, { fullPage }).catch(() => undefined);
        if (errors.length && !String(e.message).includes('errors in the page')) e.message += `\nerrors in the page:\n${errors.join('\n')}`;
        const log = h.server.logs().trim().split('\n').slice(-15).join('\n');
        if (log) e.message += `\n--- server log (last lines) ---\n${log}`;
        throw e;
      } finally {
        await context.close().catch(() => undefined);
      }
    },
  };
  before(async () => {
    h.server = await startServer(opts);
    h.browser = await launchBrowser();
  });
  after(async () => {
    await h.browser?.close().catch(() => undefined);
    await h.server?.stop();
  });
  return h;
}
