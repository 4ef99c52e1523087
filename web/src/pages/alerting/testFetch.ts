// A stand-in for `fetch` in the alerting tests: answers by method and path from a table, records
// every call (URL, method, parsed JSON body), and answers 404 for anything not in the table.

import { vi } from 'vitest';

export interface FetchCall {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Answer = { status?: number; json?: unknown; text?: string } | ((call: FetchCall) => { status?: number; json?: unknown; text?: string });

/** Stubs the global fetch with `routes` (`'GET /api/v1/rules'` -> answer); returns the calls. */
export function mockFetch(routes: Record<string, Answer>): FetchCall[] {
  const calls: FetchCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit = {}) => {
      const u = new URL(input, 'http://pulsegrid.test');
      const method = (init.method ?? 'GET').toUpperCase();
      const call: FetchCall = {
        method,
        url: input,
        path: u.pathname,
        query: u.searchParams,
        body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      };
      calls.push(call);
      const route = routes[`${method} ${u.pathname}`];
      const answer = typeof route === 'function' ? route(call) : route;
      if (!answer) return new Response(JSON.stringify({ message: 'not found' }), { status: 404 });
      const text = answer.text ?? (answer.json === undefined ? '' : JSON.stringify(answer.json));
      return new Response(text, { status: answer.status ?? 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}
