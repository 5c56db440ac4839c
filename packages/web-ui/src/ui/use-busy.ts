/**
 * The state every form's submit shares: `busy` while its request runs (the buttons are
 * disabled), and the error sentence of the last failure, cleared when the next attempt starts.
 */
import { useState } from 'preact/hooks';
import { messageOf } from './api.js';

export function useBusy(): { busy: boolean; error: string; setError: (text: string) => void; attempt: (action: () => Promise<void>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const attempt = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await action();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, attempt };
}
