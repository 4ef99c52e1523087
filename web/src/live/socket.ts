// The one WebSocket of a browser tab (`/api/live/ws`). Every panel subscribes through it; the
// client keeps the list of subscriptions, and after a reconnect (capped exponential backoff
// with jitter) sends them all again: the server answers each with a `replace` frame, which
// resyncs the panels.

import type { Series } from '../data/frame';

/** What a subscription asks for (DESIGN.md's subscribe op, without `op` and `sub`). */
export type SubscribeSpec = Record<string, unknown>;

/** A server message for one subscription. */
export type LiveMessage =
  | { op: 'frame'; replace: boolean; series: Series[] }
  | { op: 'status'; source: 'up' | 'down'; message?: string }
  | { op: 'error'; message: string };

type Handler = (msg: LiveMessage) => void;

/** The connection state, for the page's indicator. */
export type ConnectionState = 'connecting' | 'open' | 'closed';

export class LiveClient {
  private ws: WebSocket | null = null;
  private readonly subs = new Map<string, { spec: SubscribeSpec; handler: Handler }>();
  private next = 1;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stateListeners = new Set<(s: ConnectionState) => void>();
  state: ConnectionState = 'closed';

  constructor(private readonly url: string = LiveClient.defaultUrl()) {}

  static defaultUrl(): string {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${location.host}/api/live/ws`;
  }

  /** Subscribes; returns the function that unsubscribes. */
  subscribe(spec: SubscribeSpec, handler: Handler): () => void {
    const sub = `s${this.next++}`;
    this.subs.set(sub, { spec, handler });
    this.ensureOpen();
    this.send({ op: 'subscribe', sub, ...spec });
    return () => {
      if (this.subs.delete(sub)) this.send({ op: 'unsubscribe', sub });
    };
  }

  /** Calls `fn` on every connection state change; returns the unsubscribe function. */
  onState(fn: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }

  private send(msg: Record<string, unknown>): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private ensureOpen(): void {
    if (this.ws || this.timer) return;
    this.setState('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      for (const [sub, { spec }] of this.subs) this.send({ op: 'subscribe', sub, ...spec });
    };
    ws.onmessage = (ev) => this.dispatch(ev.data);
    ws.onclose = () => {
      this.ws = null;
      this.setState('closed');
      if (this.subs.size > 0) this.reconnectLater();
    };
    ws.onerror = () => ws.close();
  }

  private reconnectLater(): void {
    const base = Math.min(10_000, 250 * 2 ** this.attempt);
    this.attempt++;
    const delay = base / 2 + Math.random() * (base / 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ensureOpen();
    }, delay);
  }

  private dispatch(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: { op?: string; sub?: string } & Record<string, unknown>;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    const entry = msg.sub ? this.subs.get(String(msg.sub)) : undefined;
    if (!entry) return;
    entry.handler(msg as unknown as LiveMessage);
  }
}

let shared: LiveClient | null = null;

/** The tab's one client. */
export function liveClient(): LiveClient {
  shared ??= new LiveClient();
  return shared;
}
