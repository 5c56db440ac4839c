/** The only screen before login: log in, or create an account when registration is open. */
import { useState } from 'preact/hooks';
import { post } from '../ui/api.js';
import { useBusy } from '../ui/use-busy.js';
import type { Session } from './types.js';

export interface LoginProps {
  session: Session;
  /** A warning left by the last logout (no tracker was told), shown above the form. */
  notice?: string;
  onLoggedIn: () => Promise<void>;
}

export function Login({ session, notice, onLoggedIn }: LoginProps) {
  const [userId, setUserId] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, attempt } = useBusy();
  const [info, setInfo] = useState('');

  const act = (what: 'login' | 'create'): Promise<void> => {
    setInfo('');
    return attempt(async () => {
      if (what === 'create') {
        await post('/api/accounts', { userId, password });
        setInfo(`Account ${userId} created; logging in…`);
      }
      await post('/api/session/login', { userId, password });
      setPassword('');
      await onLoggedIn();
    });
  };

  return (
    <main class="center">
      <h1>groupshare</h1>
      {notice ? (
        <p role="status" class="notice warning">
          {notice}
        </p>
      ) : null}
      <form
        class="card login"
        onSubmit={(e) => {
          e.preventDefault();
          void act('login');
        }}
      >
        <h2>Log in to this peer</h2>
        {session.peer?.address ? <p class="muted">Peer {session.peer.address}</p> : null}
        <label>
          User id
          <input name="userId" autocomplete="username" required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Log in
          </button>
          {session.registrationOpen !== false ? (
            <button
              type="button"
              class="secondary"
              disabled={busy}
              onClick={(e) => {
                const form = e.currentTarget.form;
                if (form && !form.reportValidity()) return;
                void act('create');
              }}
            >
              Create account
            </button>
          ) : null}
        </div>
        {info ? <p role="status">{info}</p> : null}
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
