/**
 * Notices as they happen (join requests, answers, tracker failover, finished downloads): a
 * polite live region with the latest three, newest first, each dismissable.
 */
import { useCallback, useState } from 'preact/hooks';

export interface Notice {
  id: number;
  text: string;
  kind: 'info' | 'warning' | 'error';
  at: Date;
}

let nextId = 1;

/** The notice list and the function that adds one. */
export function useNotices(): { notices: Notice[]; notify: (text: string, kind?: Notice['kind']) => void; dismiss: (id: number) => void } {
  const [notices, setNotices] = useState<Notice[]>([]);
  const notify = useCallback((text: string, kind: Notice['kind'] = 'info') => {
    setNotices((list) => [{ id: nextId++, text, kind, at: new Date() }, ...list].slice(0, 3));
  }, []);
  const dismiss = useCallback((id: number) => setNotices((list) => list.filter((n) => n.id !== id)), []);
  return { notices, notify, dismiss };
}

export function Notices({ notices, dismiss }: { notices: Notice[]; dismiss: (id: number) => void }) {
  return (
    <section class="notices" aria-label="Notices">
      <div role="log" aria-live="polite">
        <ul>
        {notices.map((n) => (
          <li key={n.id} class={`notice ${n.kind}`}>
            <span>{n.text}</span>
            <button type="button" class="link" aria-label={`Dismiss notice: ${n.text}`} onClick={() => dismiss(n.id)}>
              ×
            </button>
          </li>
        ))}
        </ul>
      </div>
    </section>
  );
}
