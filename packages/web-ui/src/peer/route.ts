/** Hash routing: `#/groups/<id>` opens a group; anything else shows no group. */
import { useEffect, useState } from 'preact/hooks';

/** The link to a group's page. */
export function groupHref(groupId: string): string {
  return `#/groups/${encodeURIComponent(groupId)}`;
}

function current(): string | undefined {
  const m = /^#\/groups\/(.+)$/.exec(window.location.hash);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

/** The open group's id (from the address bar), following back/forward and links. */
export function useOpenGroup(): string | undefined {
  const [group, setGroup] = useState(current);
  useEffect(() => {
    const onHash = (): void => setGroup(current());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return group;
}

/** Opens a group's page. */
export function openGroup(groupId: string): void {
  window.location.hash = groupHref(groupId);
}
