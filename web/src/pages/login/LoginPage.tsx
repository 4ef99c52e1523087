// The login form: `POST /api/login` sets the session cookie, then back to where the user was.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { loadUser } from '../../lib/session';
import { navigate } from '../../lib/router';

export function LoginPage({ next }: { next: string }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api.login(user, password);
      await loadUser(true);
      navigate(next.startsWith('/') && !next.startsWith('//') ? next : '/');
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? 'Invalid username or password' : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main>
      <form class="login" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Pulsegrid</h1>
        <label class="field">
          <span>Username</span>
          <input name="user" autoComplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required autoFocus />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        {error && (
          <div class="banner error" role="alert">
            {error}
          </div>
        )}
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
