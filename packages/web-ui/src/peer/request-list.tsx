/** A list of join requests, each with Accept and Reject (the inbox, and a group's own page). */
import { useState } from 'preact/hooks';
import { messageOf, post, seg } from '../ui/api.js';
import type { JoinRequest } from './types.js';

export interface RequestListProps {
  requests: JoinRequest[];
  /** Show the group id on each line (the inbox spans groups). */
  showGroup: boolean;
  onAnswered: (r: JoinRequest, accepted: boolean) => void;
}

export function RequestList({ requests, showGroup, onAnswered }: RequestListProps) {
  const [error, setError] = useState('');
  const answer = async (r: JoinRequest, accept: boolean): Promise<void> => {
    setError('');
    try {
      await post(`/api/groups/${seg(r.groupId)}/requests/${seg(r.userId)}/${accept ? 'accept' : 'reject'}`);
      onAnswered(r, accept);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  if (requests.length === 0) return <p class="muted">No pending join requests.</p>;
  return (
    <div>
      <ul class="requests">
        {requests.map((r) => (
          <li key={`${r.groupId}\u0000${r.userId}`} data-request-group={r.groupId} data-request-user={r.userId}>
            <span class="name">{showGroup ? `${r.userId} → ${r.groupId}` : r.userId}</span>
            <button type="button" class="accept" onClick={() => void answer(r, true)}>
              Accept
            </button>
            <button type="button" class="secondary" onClick={() => void answer(r, false)}>
              Reject
            </button>
          </li>
        ))}
      </ul>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
