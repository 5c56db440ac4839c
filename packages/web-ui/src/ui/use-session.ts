/**
 * The session every app starts from: asks the server who this browser is (GET /api/session),
 * keeps the CSRF token it answers for later POSTs, and offers `refresh` for after a login or a
 * logout. A failure is kept as a sentence for the page to show.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, messageOf, setCsrfToken } from './api.js';

export function useSession<T extends { csrfToken?: string }>(): { session: T | undefined; error: string; refresh: () => Promise<void> } {
  const [session, setSession] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');

  const refresh = async (): Promise<void> => {
    try {
      const s = await get<T>('/api/session');
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

  return { session, error, refresh };
}
