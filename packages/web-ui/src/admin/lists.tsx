/** Groups with their members, shared files with who holds them, and recent security events. */
import { formatBytes } from '../ui/format.js';
import type { FileRow, GroupRow, SecurityEvent } from './types.js';
import { utc } from './types.js';

/** "3 groups", "1 group", or "1000 of 1200 groups shown" past the tracker's cap. */
function shown(count: number, total: number, what: string): string {
  const noun = total === 1 ? what : `${what}s`;
  return count < total ? `${count} of ${total} ${noun} shown` : `${total} ${noun}`;
}

export function GroupTable({ groups, total }: { groups: GroupRow[]; total: number }) {
  return (
    <section class="card" aria-labelledby="groups-title">
      <h2 id="groups-title">Groups</h2>
      <p class="muted small">{shown(groups.length, total, 'group')}</p>
      <div class="scroll">
        <table class="stack" aria-label="Groups">
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Owner</th>
              <th scope="col">Members</th>
              <th scope="col">Join requests</th>
              <th scope="col">Files</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.groupId}>
                <th scope="row" class="name">
                  {g.groupId}
                </th>
                <td>{g.ownerId}</td>
                <td>{g.members.map((m) => m.userId).join(', ')}</td>
                <td>{g.requests}</td>
                <td>{g.files}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function FileTable({ files, total }: { files: FileRow[]; total: number }) {
  return (
    <section class="card" aria-labelledby="files-title">
      <h2 id="files-title">Shared files</h2>
      <p class="muted small">{shown(files.length, total, 'file')}. A seeder holds the whole file, serves it and is online.</p>
      <div class="scroll">
        <table class="stack" aria-label="Shared files">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Group</th>
              <th scope="col">Size</th>
              <th scope="col">Seeders</th>
              <th scope="col">Held by</th>
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={`${f.groupId}/${f.infoHash}`}>
                <th scope="row" class="name">
                  {f.name}
                </th>
                <td>{f.groupId}</td>
                <td>{formatBytes(f.size)}</td>
                <td>{f.seeders}</td>
                <td>
                  <ul>
                    {f.holders.map((h) => (
                      <li key={h.userId}>
                        <span class={`dot ${h.online ? 'online' : 'offline'}`} aria-hidden="true" />
                        {h.userId}: {h.complete ? 'complete' : 'partial'}, {h.online ? 'online' : 'offline'}
                        {h.serving ? '' : ', not serving'}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function EventList({ events }: { events: SecurityEvent[] }) {
  return (
    <section class="card" aria-labelledby="events-title">
      <h2 id="events-title">Security events</h2>
      {events.length === 0 ? (
        <p class="muted">None since this tracker started.</p>
      ) : (
        <ul class="events" aria-label="Security events">
          {events.map((e, i) => (
            <li key={`${e.at}-${i}`}>
              <span class="muted small">{utc(e.at)}</span> {e.message}
              {e.count > 1 ? <span class="muted small"> ({e.count} times)</span> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
