/** Downloads and shares of this peer, live from the events the shell holds in state. */
import { formatBytes } from '../ui/format.js';
import { DownloadRow } from './download-row.js';
import type { Download, Share } from './types.js';

export function Transfers({ downloads, shares }: { downloads: Download[]; shares: Share[] }) {
  return (
    <section class="card transfers" aria-labelledby="transfers-heading">
      <h2 id="transfers-heading">Downloads</h2>
      {downloads.length === 0 ? (
        <p class="muted">No downloads.</p>
      ) : (
        <div class="scroll">
          <table class="downloads">
            <caption class="sr-only">Downloads</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">State</th>
                <th scope="col">Progress</th>
                <th scope="col">Rates</th>
                <th scope="col">ETA</th>
                <th scope="col">Peers</th>
                <th scope="col">Pieces</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {downloads.map((d) => (
                <DownloadRow key={d.id} d={d} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Shares</h2>
      {shares.length === 0 ? (
        <p class="muted">This peer shares nothing.</p>
      ) : (
        <div class="scroll">
          <table class="shares">
            <caption class="sr-only">Shares</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Group</th>
                <th scope="col">Size</th>
                <th scope="col">Held</th>
                <th scope="col">Peers</th>
                <th scope="col">Uploaded</th>
              </tr>
            </thead>
            <tbody>
              {shares.map((s) => (
                <tr key={`${s.groupId}\u0000${s.name}`}>
                  <th scope="row" class="name">
                    {s.name}
                    <span class="muted small block">{s.kind}</span>
                  </th>
                  <td>{s.groupId}</td>
                  <td>{formatBytes(s.size)}</td>
                  <td>
                    {s.piecesHave} / {s.piecesTotal} pieces
                  </td>
                  <td>{s.peers}</td>
                  <td>{formatBytes(s.uploaded)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
