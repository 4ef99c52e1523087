// Loading a resource and refreshing it every 10 s while the browser tab is visible: a hidden tab
// stops asking, and catches up with one request when it is shown again. A slow answer never
// stacks requests: the next one is planned when the previous one is done.

import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';

/** How often the page refreshes what it shows. */
export const REFRESH_MS = 10_000;

export interface PollerOptions<T> {
  load(): Promise<T>;
  onData(data: T): void;
  onError(error: ApiError): void;
  interval?: number;
  /** Whether the browser tab is hidden now. */
  hidden?(): boolean;
}

/** The timer logic of `usePoll`, without Preact (tested with fake timers). */
export class Poller<T> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = false;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: PollerOptions<T>) {}

  /** Loads now (or right after the load in flight), then every interval while visible. */
  run = (): void => {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.opts
      .load()
      .then(
        (d) => !this.stopped && this.opts.onData(d),
        (e: unknown) => !this.stopped && this.opts.onError(e instanceof ApiError ? e : new ApiError(0, (e as Error)?.message ?? String(e))),
      )
      .finally(() => {
        this.inFlight = false;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.run();
        } else this.plan();
      });
  };

  /** Call on `visibilitychange`: hidden stops the timer, visible loads at once. */
  visibilityChanged = (): void => {
    if (this.isHidden()) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.timer === undefined && !this.inFlight) this.run();
  };

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private isHidden(): boolean {
    return this.opts.hidden?.() ?? false;
  }

  private plan(): void {
    clearTimeout(this.timer);
    this.timer = this.isHidden() ? undefined : setTimeout(this.run, this.opts.interval ?? REFRESH_MS);
  }
}

export interface Polled<T> {
  data: T | null;
  error: ApiError | null;
  /** Loads now (after a write), whatever the timer says. */
  reload(): void;
}

function documentHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

/**
 * Calls `load` now, whenever `key` changes (the last answer stays shown until the new one is
 * in), and every `interval` ms while the tab is visible.
 */
export function usePoll<T>(load: () => Promise<T>, key: string, interval = REFRESH_MS): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const kick = useRef<() => void>(() => undefined);

  useEffect(() => {
    const poller = new Poller<T>({
      load: () => loadRef.current(),
      onData: (d) => {
        setData(d);
        setError(null);
      },
      onError: setError,
      interval,
      hidden: documentHidden,
    });
    kick.current = poller.run;
    poller.run();
    document.addEventListener('visibilitychange', poller.visibilityChanged);
    return () => {
      poller.stop();
      document.removeEventListener('visibilitychange', poller.visibilityChanged);
    };
  }, [key, interval]);

  return { data, error, reload: () => kick.current() };
}

/** What to tell the user when an alerting endpoint fails. */
export function describeError(e: ApiError, what: string): string {
  if (e.status === 401) return `Sign in to see ${what}.`;
  if (e.status === 403) return `Your role may not see ${what}.`;
  if (e.status === 404) return `This server does not answer for ${what} (HTTP 404): its alerting API may be older than this page.`;
  if (e.status === 0) return e.message;
  return `Could not load ${what}: ${e.message}`;
}
