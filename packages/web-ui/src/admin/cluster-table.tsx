/** Each tracker of the cluster as it reports itself: up or down, replication, last op applied, digest. */
import type { ClusterTracker } from './types.js';

function replication(t: ClusterTracker): string {
  if (!t.up) return t.link ? `link ${t.link.state}` : '—';
  const parts = [t.sync ?? '', `${t.opsBehind ?? 0} ops behind`];
  if (t.link) parts.push(`link ${t.link.state}${t.link.unackedMs > 0 ? `, oldest unacknowledged batch ${t.link.unackedMs} ms` : ''}`);
  return parts.filter(Boolean).join(' · ');
}

function lastApplied(vector: Record<string, number> | undefined): string {
  const entries = Object.entries(vector ?? {});
  return entries.length === 0 ? 'none yet' : entries.map(([origin, seq]) => `#${seq} of ${origin}`).join(', ');
}

function digest(t: ClusterTracker): string {
  if (t.digestEqual === null) return '—';
  if (t.self) return 'reference';
  return t.digestEqual ? 'equal' : 'differs';
}

export function ClusterTable({ trackers }: { trackers: ClusterTracker[] }) {
  const down = trackers.filter((t) => !t.up).length;
  return (
    <section class="card" aria-labelledby="cluster-title">
      <h2 id="cluster-title">Cluster</h2>
      <p class="muted small">
        {trackers.length} tracker{trackers.length === 1 ? '' : 's'}, {down === 0 ? 'all up' : `${down} down`}. Digests are compared with this tracker's.
      </p>
      <div class="scroll">
        <table class="stack" aria-label="Trackers">
          <thead>
            <tr>
              <th scope="col">Tracker</th>
              <th scope="col">State</th>
              <th scope="col">Replication</th>
              <th scope="col">Last op applied (per origin)</th>
              <th scope="col">Digest</th>
              <th scope="col">Users · groups · files · clients</th>
            </tr>
          </thead>
          <tbody>
            {trackers.map((t) => (
              <tr key={t.tracker}>
                <th scope="row">
                  Tracker {t.tracker}
                  {t.self ? ' (this one)' : ''}
                  <span class="block muted small mono">{t.address}</span>
                </th>
                <td>
                  <span class={t.up ? 'up' : 'down'}>{t.up ? 'Up' : 'Down'}</span>
                  {t.error ? <span class="block muted small">{t.error}</span> : null}
                </td>
                <td>{replication(t)}</td>
                <td class="mono">{t.up ? lastApplied(t.lastApplied) : '—'}</td>
                <td>{digest(t)}</td>
                <td>{t.up ? `${t.users} · ${t.groups} · ${t.files} · ${t.clients}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
