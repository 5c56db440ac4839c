/**
 * `--trust-proxy`: the reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` the
 * tracker believes. Only then is a client's address, as advertised to other peers, taken from
 * that header (fastify's `trustProxy` walks it from the right, skipping trusted hops); a header
 * from anyone else is ignored, or any client could make others dial an address of its choice.
 */
import net from 'node:net';

export class TrustProxyError extends Error {}

/** Parses `10.0.0.0/8,::1` into canonical entries; throws TrustProxyError naming a bad one. */
export function parseTrustProxy(text: string): string[] {
  const entries = text.split(',').map((e) => e.trim());
  return entries.map((entry) => {
    const [address = '', prefix, extra] = entry.split('/');
    const family = net.isIP(address);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max))) {
      throw new TrustProxyError(`"${entry.slice(0, 60)}" is not an IP address or a CIDR range (like 10.0.0.0/8 or fd00::/8)`);
    }
    return prefix === undefined ? address : `${address}/${Number(prefix)}`;
  });
}
