// The bar at the top of every page: home link, page title, page controls, user and theme.

import type { ComponentChildren } from 'preact';
import { api } from '../api/client';
import { applyTheme, currentTheme } from '../lib/theme';
import { loadUser, useUser } from '../lib/session';
import { navigate } from '../lib/router';

export function TopBar({ title, children }: { title?: string; children?: ComponentChildren }) {
  const user = useUser();
  const toggleTheme = () => applyTheme(currentTheme() === 'dark' ? 'light' : 'dark');
  const logout = async () => {
    await api.logout().catch(() => undefined);
    await loadUser(true);
    navigate('/login');
  };
  return (
    <header class="topbar" role="banner">
      <a class="brand" href="/" aria-label="Pulsegrid home">
        <img src="/favicon.svg" alt="" />
        Pulsegrid
      </a>
      {title && <h1 class="title">{title}</h1>}
      <span class="spacer" />
      {children}
      <button type="button" onClick={toggleTheme} aria-label="Switch between dark and light theme" title="Theme">
        ◐
      </button>
      {user && !user.isAnonymous ? (
        <>
          <span class="badge" data-testid="user-badge" title={`role: ${user.role}`}>
            {user.login}
          </span>
          <button type="button" onClick={logout}>
            Sign out
          </button>
        </>
      ) : (
        <a href={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}>Sign in</a>
      )}
    </header>
  );
}
