// Waiting for conditions instead of sleeping: poll a function until it returns a truthy value
// (its result) or the time is up (an error saying what was awaited and what was last seen).

/** Default wait, generous enough for a loaded 2-core machine, short enough to fail fast. */
export const WAIT_MS = Number(process.env.E2E_WAIT_MS ?? 10_000);

export async function waitUntil(fn, { timeout = WAIT_MS, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const seen = lastError ? `last error: ${lastError.message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${message} (${seen})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
