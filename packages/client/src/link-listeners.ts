/**
 * Attaches a set of TrackerLink listeners by event name and returns the function that detaches
 * them all: the shell's notices (link-events.ts) and the web's event bus (service/events.ts)
 * each listen to several of the link's events and must let go of all of them at once.
 */
import type { TrackerLink } from '@groupshare/engine';

// Listener types differ per event; the map is keyed by event name, so any listener goes.
type AnyListener = (...args: any[]) => void;

export function listenToLink(link: TrackerLink, listeners: Record<string, AnyListener>): () => void {
  const entries = Object.entries(listeners);
  const on = link.on.bind(link) as (event: string, listener: AnyListener) => unknown;
  const off = link.off.bind(link) as (event: string, listener: AnyListener) => unknown;
  for (const [event, listener] of entries) on(event, listener);
  return () => {
    for (const [event, listener] of entries) off(event, listener);
  };
}
