/** The only screen before login: the admin password, or the token from the tracker's data directory. */
import { useState } from 'preact/hooks';
import { post } from '../ui/api.js';
import { useBusy } from '../ui/use-busy.js';

export function Login({ onLoggedIn }: { onLoggedIn: () => Promise<void> }) {
  const [password, setPassword] = useState('');
  const { busy, error, attempt } = useBusy();

  const login = (): Promise<void> =>
    attempt(async () => {
      await post('/api/login', { password });
      setPassword('');
      await onLoggedIn();
    });

  return (
    <main class="center">
      <h1>groupshare tracker</h1>
      <form
        class="card login"
        onSubmit={(e) => {
          e.preventDefault();
          void login();
        }}
      >
        <h2>Log in to the admin page</h2>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required aria-describedby="password-hint" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <p id="password-hint" class="muted small">
          The admin password set with <code>set_admin_password</code> on the tracker's console, or the token in the file <code>admin-token</code> of its data directory.
        </p>
        <div class="actions">
          <button type="submit" disabled={busy}>
            Log in
          </button>
        </div>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
