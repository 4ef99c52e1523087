// Dark and light themes: the choice is kept in localStorage and applied as `data-theme` on
// <html>, which switches the CSS variables in styles.css.

export type Theme = 'dark' | 'light';

const KEY = 'pulsegrid.theme';
const listeners = new Set<(t: Theme) => void>();

/** The saved theme, else the OS preference, else dark. */
export function savedTheme(): Theme {
  try {
    const t = localStorage.getItem(KEY);
    if (t === 'dark' || t === 'light') return t;
  } catch {
    /* storage may be disabled */
  }
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/** Applies and saves a theme, and tells listeners (canvas panels redraw). */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    /* ignore */
  }
  for (const fn of listeners) fn(theme);
}

/** The theme now applied. */
export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === 'light' ? 'light' : 'dark';
}

/** Calls `fn` on every theme change; returns the unsubscribe function. */
export function onThemeChange(fn: (t: Theme) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
