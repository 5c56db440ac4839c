/**
 * The join-request inbox in the header: a button with the pending count as a badge, opening
 * the list of requests across the groups this user owns, and the switch for browser
 * notifications (asked only when the user presses it).
 */
import { useState } from 'preact/hooks';
import { RequestList } from './request-list.js';
import type { JoinRequest } from './types.js';

export function Inbox({ requests, onAnswered }: { requests: JoinRequest[]; onAnswered: (r: JoinRequest, accepted: boolean) => void }) {
  const [open, setOpen] = useState(false);
  const [permission, setPermission] = useState(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  const count = requests.length;
  return (
    <div class="inbox">
      <button type="button" class="secondary" aria-expanded={open} aria-controls="inbox-panel" onClick={() => setOpen(!open)}>
        Requests
        <span class={count > 0 ? 'badge' : 'badge zero'} aria-label={`${count} pending`}>
          {count}
        </span>
      </button>
      {open ? (
        <div id="inbox-panel" class="card popover" role="region" aria-label="Join requests inbox">
          <RequestList requests={requests} showGroup onAnswered={onAnswered} />
          {permission === 'default' ? (
            <button type="button" class="link" onClick={() => void Notification.requestPermission().then(setPermission)}>
              Notify me of new requests
            </button>
          ) : null}
          {permission === 'granted' ? <p class="muted small">Browser notifications are on.</p> : null}
        </div>
      ) : null}
    </div>
  );
}
