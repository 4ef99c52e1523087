// The one typed client of Pulsegrid's HTTP API. Every call goes through `request`, which turns
// a non-2xx answer into an `ApiError` carrying the server's message and, for validation
// errors, the JSON paths it names.

import type { Dashboard, DashboardResponse, SearchHit } from './dashboard';
import type { Series } from '../data/frame';

/** A validation error at a JSON path (`panels[0].gridPos.w`). */
export interface PathError {
  path: string;
  message: string;
}

/** A failed API call. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly errors: PathError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * One API call: same-origin cookies, JSON in and out; a non-2xx answer becomes an `ApiError`
 * with the server's message (`{"message"}` bodies, or Alertmanager's bare JSON strings).
 */
export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, `cannot reach the server: ${(e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    if (typeof json === 'string') throw new ApiError(res.status, json || res.statusText);
    const j = (json ?? {}) as { message?: string; status?: string; errors?: PathError[] };
    throw new ApiError(res.status, j.message ?? (text || res.statusText || `HTTP ${res.status}`), j.status, j.errors ?? []);
  }
  return json as T;
}

/** `GET /api/user`. */
export interface CurrentUser {
  id: number | null;
  login: string | null;
  role: 'viewer' | 'editor' | 'admin' | 'none' | string;
  isAnonymous: boolean;
}

/** `GET /api/datasources` item. */
export interface DatasourceInfo {
  uid: string;
  name: string;
  type: string;
  isDefault?: boolean;
}

/** `POST /api/dashboards/db` answer. */
export interface SaveResult {
  uid: string;
  url: string;
  version: number;
  status: string;
}

/** One query result of `POST /api/ds/query`. */
export interface QueryResult {
  series?: Series[];
  error?: string;
}

export const api = {
  search(query = '', tags: string[] = []): Promise<SearchHit[]> {
    const p = new URLSearchParams({ type: 'dash-db' });
    if (query) p.set('query', query);
    for (const t of tags) p.append('tag', t);
    return request('GET', `/api/search?${p}`);
  },
  tags(): Promise<{ term: string; count: number }[]> {
    return request('GET', '/api/dashboards/tags');
  },
  dashboard(uid: string): Promise<DashboardResponse> {
    return request('GET', `/api/dashboards/uid/${encodeURIComponent(uid)}`);
  },
  saveDashboard(dashboard: Dashboard, overwrite = false, message = ''): Promise<SaveResult> {
    return request('POST', '/api/dashboards/db', { dashboard, overwrite, message });
  },
  datasources(): Promise<DatasourceInfo[]> {
    return request('GET', '/api/datasources');
  },
  user(): Promise<CurrentUser> {
    return request('GET', '/api/user');
  },
  login(user: string, password: string): Promise<unknown> {
    return request('POST', '/api/login', { user, password });
  },
  logout(): Promise<unknown> {
    return request('POST', '/api/logout');
  },
  query(from: string, to: string, queries: unknown[]): Promise<{ results: Record<string, QueryResult> }> {
    return request('POST', '/api/ds/query', { from, to, queries });
  },
  variableValues(
    datasource: unknown,
    query: string,
    from: string,
    to: string,
  ): Promise<{ values: { text: string; value: string }[] }> {
    return request('POST', '/api/variables/query', { datasource, query, from, to });
  },
};
