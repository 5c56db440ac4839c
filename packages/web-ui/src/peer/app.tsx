/**
 * The page's root: asks the peer who is logged in, shows only the login form until someone is,
 * then the shell. A `session` event (logout elsewhere, the shell's `logout`) sends it back to
 * the login form.
 */
import { useEffect } from 'preact/hooks';
import { useSession } from '../ui/use-session.js';
import { closeEvents, onEvent, openEvents } from '../ui/events.js';
import { Login } from './login.js';
import { Shell } from './shell.js';
import type { Session } from './types.js';

export function App() {
  const { session, error, refresh } = useSession<Session>();

  useEffect(() => {
    if (!session?.loggedIn) {
      closeEvents();
      return undefined;
    }
    openEvents();
    return onEvent('session', (data) => {
      if ((data as { loggedIn?: boolean }).loggedIn === false) void refresh();
    });
  }, [session?.loggedIn, session?.userId]);

  if (!session) {
    return (
      <main class="center">
        <h1>groupshare</h1>
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
  if (!session.loggedIn) return <Login session={session} onLoggedIn={refresh} />;
  return <Shell session={session} onLoggedOut={refresh} />;
}
