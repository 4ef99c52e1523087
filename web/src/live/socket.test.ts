import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveClient, type LiveMessage } from './socket';

/** A stand-in for the browser's WebSocket: records what is sent, opens and closes on demand. */
class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  receive(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

describe('LiveClient', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('multiplexes subscriptions on one socket and routes frames by sub', () => {
    const client = new LiveClient('ws://x/api/live/ws');
    const a: LiveMessage[] = [];
    const b: LiveMessage[] = [];
    client.subscribe({ dashboard: 'd', panel: 1 }, (m) => a.push(m));
    client.subscribe({ dashboard: 'd', panel: 2 }, (m) => b.push(m));
    expect(FakeSocket.all).toHaveLength(1);
    const ws = FakeSocket.all[0];
    ws.open();
    expect(ws.sent.map((m) => m.panel)).toEqual([1, 2]);
    const sub2 = ws.sent[1].sub;
    ws.receive({ op: 'frame', sub: sub2, replace: true, series: [] });
    expect(a).toHaveLength(0);
    expect(b).toEqual([{ op: 'frame', sub: sub2, replace: true, series: [] }]);
  });

  it('reconnects with backoff and subscribes again', () => {
    const client = new LiveClient('ws://x/api/live/ws');
    const states: string[] = [];
    client.onState((s) => states.push(s));
    client.subscribe({ stream: 'plant' }, () => undefined);
    FakeSocket.all[0].open();
    FakeSocket.all[0].close();
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(300);
    expect(FakeSocket.all).toHaveLength(2);
    const again = FakeSocket.all[1];
    again.open();
    expect(again.sent).toEqual([{ op: 'subscribe', sub: 's1', stream: 'plant' }]);
    expect(states).toEqual(['connecting', 'open', 'closed', 'connecting', 'open']);
  });

  it('backs off longer after repeated failures, up to a cap', () => {
    const client = new LiveClient('ws://x/api/live/ws');
    client.subscribe({ stream: 'plant' }, () => undefined);
    for (let i = 0; i < 8; i++) FakeSocket.all[FakeSocket.all.length - 1].close(), vi.advanceTimersByTime(10_000);
    const n = FakeSocket.all.length;
    FakeSocket.all[n - 1].close();
    vi.advanceTimersByTime(4_000);
    expect(FakeSocket.all.length).toBe(n);
    vi.advanceTimersByTime(6_001);
    expect(FakeSocket.all.length).toBe(n + 1);
  });

  it('unsubscribes and stops reconnecting when nothing is watched', () => {
    const client = new LiveClient('ws://x/api/live/ws');
    const off = client.subscribe({ stream: 'plant' }, () => undefined);
    const ws = FakeSocket.all[0];
    ws.open();
    off();
    expect(ws.sent[1]).toEqual({ op: 'unsubscribe', sub: 's1' });
    ws.close();
    vi.advanceTimersByTime(20_000);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
