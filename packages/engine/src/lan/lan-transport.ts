/**
 * The sockets LAN announces travel on. Two modes:
 *
 * - `multicast` (the default, as BEP 14 and Syncthing do): UDP to 239.192.152.143:6771 and
 *   [ff15::efc0:988f]:6771, sent once on each multicast-capable interface (or only the one named
 *   by `--lan-interface`), TTL 1 (the LAN only), with multicast loop on so that peers on the same
 *   host hear each other. Every peer binds the same port with address reuse and joins the group
 *   on each interface.
 * - `unicast`: the loopback mode. Linux's `lo` has no MULTICAST flag, so processes that all live
 *   on 127.0.0.1 (tests, one-host demos) bind their own port and send each announce to a given
 *   list of `host:port` targets instead.
 *
 * Receiving is the same in both: every datagram goes to `onMessage` with its source address.
 */
import dgram, { type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseHostPort } from '@groupshare/protocol';
import { LanInterfaceError, LanSocketError } from './errors.js';

export const LAN_DEFAULTS = { port: 6771, ipv4Group: '239.192.152.143', ipv6Group: 'ff15::efc0:988f' } as const;

export type LanTransportOptions =
  | { mode: 'multicast'; port?: number; ipv4Group?: string; ipv6Group?: string; interface?: string; ipv6?: boolean }
  | { mode: 'unicast'; host?: string; port?: number; targets: () => readonly string[] };

interface Route {
  socket: Socket;
  /** Interface name, for counting. */
  name: string;
  /** For `setMulticastInterface`: the IPv4 address, or `::%name`. */
  via: string;
  group: string;
}

const IFF_MULTICAST = 0x1000;

/** Whether Linux says the interface can multicast; true where that cannot be read. */
function canMulticast(name: string): boolean {
  try {
    return (Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16) & IFF_MULTICAST) !== 0;
  } catch {
    return true;
  }
}

export class LanTransport {
  private sockets: Socket[] = [];
  private routes: Route[] = [];
  /** Datagrams sent, per interface name (`unicast` in the loopback mode). */
  readonly sent = new Map<string, number>();
  /** The bound port (useful with port 0 in the loopback mode). */
  port = 0;

  constructor(
    private readonly options: LanTransportOptions,
    private readonly onMessage: (packet: Buffer, from: string) => void,
  ) {}

  /** Opens the sockets; throws LanInterfaceError or LanSocketError. */
  async open(): Promise<void> {
    const o = this.options;
    if (o.mode === 'unicast') {
      const socket = await this.bind('udp4', o.port ?? 0, o.host ?? '127.0.0.1', false);
      this.port = socket.address().port;
      return;
    }
    const port = o.port ?? LAN_DEFAULTS.port;
    const all = os.networkInterfaces();
    const names = o.interface !== undefined ? [o.interface] : Object.keys(all).filter((n) => canMulticast(n) && all[n]?.some((a) => !a.internal));
    if (o.interface !== undefined && all[o.interface] === undefined) {
      throw new LanInterfaceError(`there is no network interface "${o.interface}" (this host has ${Object.keys(all).join(', ')})`);
    }
    const v4 = names.flatMap((n) => (all[n] ?? []).filter((a) => a.family === 'IPv4').map((a) => ({ name: n, address: a.address })));
    const v6 = o.ipv6 === false ? [] : names.filter((n) => (all[n] ?? []).some((a) => a.family === 'IPv6'));
    if (v4.length === 0 && v6.length === 0) {
      throw new LanInterfaceError(o.interface !== undefined ? `interface "${o.interface}" has no address to announce from` : 'no network interface can multicast');
    }
    if (v4.length > 0) {
      const socket = await this.bind('udp4', port, undefined, true);
      const group = o.ipv4Group ?? LAN_DEFAULTS.ipv4Group;
      for (const a of v4) {
        try {
          socket.addMembership(group, a.address);
          this.routes.push({ socket, name: a.name, via: a.address, group });
        } catch {
          // This interface refuses multicast: announce on the others.
        }
      }
      socket.setMulticastTTL(1);
      socket.setMulticastLoopback(true);
    }
    if (v6.length > 0) {
      try {
        const socket = await this.bind('udp6', port, '::', true);
        const group = o.ipv6Group ?? LAN_DEFAULTS.ipv6Group;
        for (const name of v6) {
          try {
            socket.addMembership(group, `::%${name}`);
            this.routes.push({ socket, name, via: `::%${name}`, group });
          } catch {
            // No IPv6 multicast on this interface.
          }
        }
        socket.setMulticastTTL(1);
        socket.setMulticastLoopback(true);
      } catch {
        // No IPv6 on this host: IPv4 alone.
      }
    }
    if (this.routes.length === 0) throw new LanInterfaceError('no interface accepted the multicast group');
    this.port = port;
  }

  /** Interfaces announced on (`unicast` in the loopback mode). */
  get interfaces(): string[] {
    return this.options.mode === 'unicast' ? ['unicast'] : [...new Set(this.routes.map((r) => r.name))];
  }

  /** Sends `packet` once per route; a failing route does not stop the others. */
  async send(packet: Buffer): Promise<void> {
    const o = this.options;
    if (o.mode === 'unicast') {
      const socket = this.sockets[0];
      if (socket === undefined) return;
      for (const target of o.targets()) {
        let hp;
        try {
          hp = parseHostPort(target);
        } catch {
          continue;
        }
        if (hp.port === this.port && (hp.host === (o.host ?? '127.0.0.1'))) continue;
        if (await sendTo(socket, packet, hp.port, hp.host)) this.count('unicast');
      }
      return;
    }
    const port = o.port ?? LAN_DEFAULTS.port;
    for (const r of this.routes) {
      try {
        r.socket.setMulticastInterface(r.via);
      } catch {
        continue;
      }
      if (await sendTo(r.socket, packet, port, r.group)) this.count(r.name);
    }
  }

  async close(): Promise<void> {
    const sockets = this.sockets;
    this.sockets = [];
    this.routes = [];
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private count(name: string): void {
    this.sent.set(name, (this.sent.get(name) ?? 0) + 1);
  }

  private bind(type: 'udp4' | 'udp6', port: number, host: string | undefined, reuse: boolean): Promise<Socket> {
    const socket = dgram.createSocket({ type, reuseAddr: reuse, ...(type === 'udp6' ? { ipv6Only: true } : {}) });
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address));
    return new Promise((resolve, reject) => {
      socket.once('error', (err) => {
        socket.close();
        reject(new LanSocketError(`cannot open the LAN announce socket on port ${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
      socket.bind({ port, ...(host !== undefined ? { address: host } : {}), exclusive: false }, () => {
        socket.removeAllListeners('error');
        socket.on('error', () => undefined); // a send error reaches the send callback too
        this.sockets.push(socket);
        resolve(socket);
      });
    });
  }
}

function sendTo(socket: Socket, packet: Buffer, port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      socket.send(packet, port, host, (err) => resolve(err == null));
    } catch {
      resolve(false);
    }
  });
}
