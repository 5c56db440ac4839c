/**
 * The page's root: asks the peer who is logged in, shows only the login form until someone is,
 * then the shell. A `session` event (logout elsewhere, the shell's `logout`) sends it back to
 * the login form.
 */
import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../ui/use-session.js';
import { closeEvents, onEvent, openEvents } from '../ui/events.js';
import { Login } from './login.js';
import { Shell } from './shell.js';
import type { Session } from './types.js';

export function App() {
  const { session, error, refresh } = useSession<Session>();
  // Said on the login form after a logout (e.g. that no tracker was told), until the next login.
  const [loggedOutNotice, setLoggedOutNotice] = useState('');

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
  if (!session.loggedIn) {
    const onLoggedIn = async (): Promise<void> => {
      setLoggedOutNotice('');
      await refresh();
    };
    return <Login session={session} notice={loggedOutNotice} onLoggedIn={onLoggedIn} />;
  }
  const onLoggedOut = async (notice?: string): Promise<void> => {
    setLoggedOutNotice(notice ?? '');
    await refresh();
  };
  return <Shell session={session} onLoggedOut={onLoggedOut} />;
}
