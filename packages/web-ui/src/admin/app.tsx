/**
 * The admin page's root: asks the tracker whether this browser is logged in, shows only the
 * login form until it is, then the dashboard.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, messageOf, setCsrfToken } from '../ui/api.js';
import { Dashboard } from './dashboard.js';
import { Login } from './login.js';
import type { AdminSession } from './types.js';

export function App() {
  const [session, setSession] = useState<AdminSession | undefined>(undefined);
  const [error, setError] = useState('');

  const refresh = async (): Promise<void> => {
    try {
      const s = await get<AdminSession>('/api/session');
      setCsrfToken(s.csrfToken);
      setSession(s);
      setError('');
    } catch (err) {
      setError(messageOf(err));
    }
  };

  useEffect(() => {
    void refresh();
  }, []);

  if (!session) {
    return (
      <main class="center">
        <h1>groupshare tracker</h1>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : (
          <p>Loading…</p>
        )}
      </main>
    );
  }
  if (!session.loggedIn) return <Login onLoggedIn={refresh} />;
  return <Dashboard onLoggedOut={refresh} />;
}
