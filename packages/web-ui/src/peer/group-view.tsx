/**
 * A group's page: its files table, Share a file, and (for its owner) its join requests. The
 * files are reloaded when the peer pushes a change to shares, groups or files.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, messageOf, seg } from '../ui/api.js';
import { onEvent } from '../ui/events.js';
import { FileRow } from './file-row.js';
import { RequestList } from './request-list.js';
import { ShareForm } from './share-form.js';
import type { Group, GroupFile, JoinRequest, Root, Share } from './types.js';

export interface GroupViewProps {
  group: Group | undefined;
  groupId: string;
  owner: boolean;
  requests: JoinRequest[];
  roots: Root[];
  downloadsDir: string;
  /** The largest file the upload form may send (`--web-max-upload`); unknown from an older peer. */
  maxUploadBytes?: number | undefined;
  shares: Share[];
  onAnswered: (r: JoinRequest, accepted: boolean) => void;
  notify: (text: string) => void;
}

export function GroupView({ group, groupId, owner, requests, roots, downloadsDir, maxUploadBytes, shares, onAnswered, notify }: GroupViewProps) {
  const [files, setFiles] = useState<GroupFile[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [sharing, setSharing] = useState(false);
  const [tick, setTick] = useState(0);
  const reload = async (): Promise<void> => setTick((t) => t + 1);
  const member = group?.member ?? false;

  useEffect(() => {
    if (!member) return undefined;
    let cancelled = false;
    get<{ files: GroupFile[] }>(`/api/groups/${seg(groupId)}/files`)
      .then((r) => {
        if (cancelled) return;
        setFiles(r.files);
        setError('');
      })
      .catch((err) => !cancelled && setError(messageOf(err)));
    return () => {
      cancelled = true;
    };
  }, [groupId, member, tick]);

  useEffect(() => {
    const bump = (): void => setTick((t) => t + 1);
    const offs = [onEvent('shares', bump), onEvent('groups', bump), onEvent('files', bump)];
    return () => offs.forEach((off) => off());
  }, []);

  if (!group) {
    return (
      <section class="card group" aria-labelledby="group-heading">
        <h2 id="group-heading">{groupId}</h2>
        <p class="muted">No such group (or it is not visible to you).</p>
      </section>
    );
  }

  const shared = new Set(shares.filter((s) => s.groupId === groupId).map((s) => s.name));
  const mine = requests.filter((r) => r.groupId === groupId);
  return (
    <section class="card group" aria-labelledby="group-heading">
      <h2 id="group-heading">{groupId}</h2>
      {!member ? <p class="muted">You are not a member of this group: ask to join to see its files.</p> : null}
      {owner ? (
        <section aria-labelledby="requests-heading">
          <h3 id="requests-heading">Join requests</h3>
          <RequestList requests={mine} showGroup={false} onAnswered={onAnswered} />
        </section>
      ) : null}
      {member ? (
        <section aria-labelledby="files-heading">
          <div class="row-head">
            <h3 id="files-heading">Files</h3>
            <button type="button" aria-expanded={sharing} onClick={() => setSharing(!sharing)}>
              Share a file
            </button>
          </div>
          {sharing ? (
            <ShareForm
              groupId={groupId}
              roots={roots}
              maxUploadBytes={maxUploadBytes}
              onClose={() => setSharing(false)}
              onShared={(name) => {
                setSharing(false);
                notify(`Sharing ${name} in ${groupId}`);
                void reload();
              }}
            />
          ) : null}
          {error ? (
            <p role="alert" class="error">
              {error}
            </p>
          ) : null}
          {files === undefined ? (
            <p>Loading…</p>
          ) : files.length === 0 ? (
            <p class="muted">No files shared in this group yet.</p>
          ) : (
            <div class="scroll">
              <table class="files">
                <caption class="sr-only">Files in {groupId}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Size</th>
                    <th scope="col">Seeders / peers</th>
                    <th scope="col">Availability</th>
                    <th scope="col">Held by</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {files.map((f) => (
                    <FileRow
                      key={f.name}
                      groupId={groupId}
                      file={f}
                      downloadsDir={downloadsDir}
                      sharedHere={shared.has(f.name)}
                      onStop={async () => {
                        notify(`Stopped sharing ${f.name} in ${groupId}`);
                        await reload();
                      }}
                      onStarted={(name) => notify(`Download of ${name} started`)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}
    </section>
  );
}
