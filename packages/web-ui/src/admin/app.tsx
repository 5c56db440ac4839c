/**
 * The admin page's root: asks the tracker whether this browser is logged in, shows only the
 * login form until it is, then the dashboard.
 */
import { useSession } from '../ui/use-session.js';
import { Dashboard } from './dashboard.js';
import { Login } from './login.js';
import type { AdminSession } from './types.js';

export function App() {
  const { session, error, refresh } = useSession<AdminSession>();

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
