// Who is signed in: `/api/user`, fetched once and refreshed after login or logout.

import { useEffect, useState } from 'preact/hooks';
import { api, type CurrentUser } from '../api/client';

let current: Promise<CurrentUser | null> | null = null;
const listeners = new Set<(u: CurrentUser | null) => void>();

/** The current user (null when the server cannot be asked). */
export function loadUser(force = false): Promise<CurrentUser | null> {
  if (!current || force) {
    current = api.user().catch(() => null);
    void current.then((u) => listeners.forEach((fn) => fn(u)));
  }
  return current;
}

/** The current user, re-rendering on change. */
export function useUser(): CurrentUser | null {
  const [user, setUser] = useState<CurrentUser | null>(null);
  useEffect(() => {
    listeners.add(setUser);
    void loadUser().then(setUser);
    return () => {
      listeners.delete(setUser);
    };
  }, []);
  return user;
}

/** Whether a role may save dashboards. */
export function canEdit(user: CurrentUser | null): boolean {
  return !!user && (user.role === 'editor' || user.role === 'admin');
}
