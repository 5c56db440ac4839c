/**
 * The Host-header allow-list both of our web servers (the peer's web UI and the tracker's admin
 * page) check before anything else: a page on another site that rebinds its own name to
 * 127.0.0.1 (DNS rebinding) still sends its own name as Host, and is refused. Pure: the machine's
 * addresses are passed in by the server.
 */

/** Host names a browser on this machine uses for a loopback server. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

/** Splits a Host header into its name (brackets removed, lower case) and port (undefined if absent). */
export function parseHostHeader(host: string): { name: string; port: number | undefined } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return undefined;
  const name = (m[1] ?? m[2] ?? '').toLowerCase();
  return { name, port: m[3] === undefined ? undefined : Number(m[3]) };
}

export class HostAllowList {
  private readonly names: ReadonlySet<string>;

  /**
   * Loopback names and the bind address; for a server bound to every interface (`0.0.0.0`,
   * `::`), also `machineAddresses` (this machine's own, which a browser elsewhere may use).
   */
  constructor(bindHost: string, machineAddresses: readonly string[]) {
    const bind = bindHost.replace(/^\[|\]$/g, '').toLowerCase();
    const names = new Set([...LOOPBACK_NAMES, bind]);
    if (bind === '0.0.0.0' || bind === '::') for (const a of machineAddresses) names.add(a.toLowerCase());
    this.names = names;
  }

  /** Whether a Host header names this server listening on `port` (no port in the header means 80, or 443 under TLS). */
  allows(header: string | undefined, port: number, tls = false): boolean {
    const parsed = header === undefined ? undefined : parseHostHeader(header);
    if (parsed === undefined || !this.names.has(parsed.name)) return false;
    return parsed.port === undefined ? port === (tls ? 443 : 80) : parsed.port === port;
  }
}
