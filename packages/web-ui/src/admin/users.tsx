/**
 * Users: add one, reset a password, remove one (after an inline confirmation: no browser
 * dialog). Each calls the tracker's operation the console runs, replicated to every tracker.
 */
import { useState } from 'preact/hooks';
import { messageOf, post } from '../ui/api.js';
import type { UserRow } from './types.js';
import { utc } from './types.js';

interface Props {
  users: UserRow[];
  reload: () => Promise<void>;
}

/** Runs a change, then reloads; the outcome is shown as text in a live region. */
function useAction(reload: () => Promise<void>) {
  const [status, setStatus] = useState<{ text: string; error: boolean } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<{ message: string }>): Promise<boolean> => {
    setBusy(true);
    try {
      const { message } = await action();
      setStatus({ text: message, error: false });
      await reload();
      return true;
    } catch (err) {
      setStatus({ text: messageOf(err), error: true });
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { status, busy, run };
}

export function Users({ users, reload }: Props) {
  const { status, busy, run } = useAction(reload);
  const [userId, setUserId] = useState('');
  const [password, setPassword] = useState('');
  const [open, setOpen] = useState<{ userId: string; what: 'reset' | 'remove' } | undefined>(undefined);
  const [newPassword, setNewPassword] = useState('');

  const add = async (): Promise<void> => {
    if (await run(() => post('/api/users/add', { userId, password }))) {
      setUserId('');
      setPassword('');
    }
  };
  const reset = async (id: string): Promise<void> => {
    if (await run(() => post('/api/users/reset-password', { userId: id, password: newPassword }))) {
      setNewPassword('');
      setOpen(undefined);
    }
  };
  const remove = async (id: string): Promise<void> => {
    if (await run(() => post('/api/users/remove', { userId: id }))) setOpen(undefined);
  };

  return (
    <section class="card" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <form
        class="inline"
        aria-label="Add a user"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <label>
          User id
          <input name="userId" autocomplete="off" required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="new-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Add user
        </button>
      </form>
      <p role="status" class={status?.error ? 'error' : 'muted'}>
        {status?.text ?? ''}
      </p>
      <div class="scroll">
        <table class="stack" aria-label="Users">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Created</th>
              <th scope="col">Last login</th>
              <th scope="col">Groups</th>
              <th scope="col">Online</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.userId}>
                <th scope="row" class="name">
                  {u.userId}
                </th>
                <td>{utc(u.createdAt)}</td>
                <td>{utc(u.lastLoginAt)}</td>
                <td>{u.groups.length === 0 ? '—' : u.groups.join(', ')}</td>
                <td>{u.online ? 'yes' : 'no'}</td>
                <td>
                  {open?.userId === u.userId && open.what === 'reset' ? (
                    <form
                      class="confirm"
                      onSubmit={(e) => {
                        e.preventDefault();
                        void reset(u.userId);
                      }}
                    >
                      <label>
                        New password
                        <input type="password" autocomplete="new-password" required value={newPassword} onInput={(e) => setNewPassword(e.currentTarget.value)} />
                      </label>
                      <button type="submit" disabled={busy}>
                        Set password
                      </button>
                      <button type="button" class="secondary" onClick={() => setOpen(undefined)}>
                        Cancel
                      </button>
                    </form>
                  ) : open?.userId === u.userId && open.what === 'remove' ? (
                    <div class="confirm" role="group" aria-label={`Remove ${u.userId}?`}>
                      <span>Remove {u.userId} and everything of theirs?</span>
                      <button type="button" disabled={busy} onClick={() => void remove(u.userId)}>
                        Remove {u.userId}
                      </button>
                      <button type="button" class="secondary" onClick={() => setOpen(undefined)}>
                        Keep
                      </button>
                    </div>
                  ) : (
                    <div class="actions">
                      <button type="button" class="secondary small" onClick={() => setOpen({ userId: u.userId, what: 'reset' })}>
                        Reset password
                      </button>
                      <button type="button" class="secondary small" onClick={() => setOpen({ userId: u.userId, what: 'remove' })}>
                        Remove
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
